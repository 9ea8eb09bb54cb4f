"""clean_place_values: every rule a listing must meet, reported all at once, before any write."""

import pytest
from flask_babel import force_locale
from shapely.geometry import Point, Polygon

from hiroba.errors import ValidationFailed
from hiroba.places.validation import OpeningPeriodValue, clean_place_values
from hiroba.places.vocabulary import (
    Audience,
    Fee,
    LocationPrecision,
    PlaceKind,
    Sector,
)
from tests.factories import NAKAHARA, WARD_POINTS, place_values

LON, LAT = WARD_POINTS[NAKAHARA]


@pytest.fixture(autouse=True)
def _english(app_context):
    """Messages are translated lazily; the assertions read their English text."""
    with force_locale("en"):
        yield


def errors_of(**overrides):
    """The field -> message map of the ValidationFailed raised for these overrides."""
    with pytest.raises(ValidationFailed) as raised:
        clean_place_values(place_values(**overrides))
    return {field: str(message) for field, message in raised.value.errors.items()}


def refused(field, value):
    """The message for ``field`` alone when it is set to ``value``."""
    errors = errors_of(**{field: value})
    assert set(errors) == {field}, errors
    return errors[field]


def footprint_around(lon=LON, lat=LAT, half=0.0005):
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def test_valid_values_come_back_typed_for_the_model():
    values = clean_place_values(place_values(name="  中原ひろば  "))
    assert values["name"] == "中原ひろば"
    assert values["kind"] is PlaceKind.COMMUNITY_HALL
    assert values["sector"] is Sector.PUBLIC
    assert values["fee"] is Fee.FREE
    assert values["who_may_use"] is Audience.ANYONE
    assert values["location"] == Point(LON, LAT)
    assert values["location_precision"] is LocationPrecision.EXACT
    assert values["footprint"] is None
    assert values["capacity"] == 30
    assert values["opening_hours"][0] == OpeningPeriodValue(1, 9 * 60, 21 * 60)
    assert len(values["opening_hours"]) == 5


# --- text fields -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [None, "", "   ", "\n\t "])
def test_name_is_required(name):
    assert "required" in refused("name", name)


TEXT_LIMITS = {
    "name": (120, "名"),
    "name_kana": (120, "カ"),
    "name_en": (120, "a"),
    "description": (4000, "説"),
    "address": (200, "町"),
    "fee_details": (500, "円"),
    "hours_note": (500, "休"),
    "contact_phone": (40, "0"),
    "contact_email": (254, None),
    "website_url": (500, None),
}


def text_of_length(field, length):
    char = TEXT_LIMITS[field][1]
    if field == "contact_email":
        return "a" * 64 + "@" + "b" * (length - 64 - 4) + ".jp"
    if field == "website_url":
        return "https://example.jp/" + "p" * (length - 19)
    return char * length


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
def test_text_at_its_limit_is_accepted(field):
    limit = TEXT_LIMITS[field][0]
    value = text_of_length(field, limit)
    assert clean_place_values(place_values(**{field: value}))[field] == value


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
def test_text_over_its_limit_is_refused(field):
    """Longer than the column would be a database error; it must be a message instead."""
    limit = TEXT_LIMITS[field][0]
    assert f"At most {limit} characters" in refused(field, text_of_length(field, limit + 1))


@pytest.mark.parametrize("field", sorted(TEXT_LIMITS))
@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b", "\x7f", "\u0085", "\r"])
def test_control_characters_are_refused_in_every_text_field(field, bad):
    """NUL would crash PostgreSQL and escapes mangle pages: both are validation errors."""
    value = "abc" + bad + "def"
    assert "not allowed" in refused(field, value)


@pytest.mark.parametrize("field", ["name", "description"])
def test_unpaired_surrogates_are_refused_like_nul(field):
    """JSON may carry a lone surrogate (\\ud800); UTF-8 cannot encode it, so the DB would fail."""
    assert field in errors_of(**{field: "abc\ud800def"})


@pytest.mark.parametrize("field", ["name", "address", "name_en", "hours_note"])
def test_single_line_fields_refuse_line_breaks(field):
    assert "not allowed" in refused(field, "一行目\n二行目")


def test_description_keeps_line_breaks_and_tabs_and_normalises_crlf():
    values = clean_place_values(place_values(description="一行目\r\n\t二行目"))
    assert values["description"] == "一行目\n\t二行目"


@pytest.mark.parametrize("field", ["name", "description", "address"])
def test_text_fields_must_be_strings(field):
    assert "Must be text" in refused(field, 123)


# --- vocabulary --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "castle"), ("sector", "semi"), ("who_may_use", "vips"), ("fee", "donation"),
     ("location_precision", "fuzzy"), ("kind", "Community_Hall"), ("kind", ["park"])],
)  # fmt: skip
def test_unknown_choice_values_are_refused(field, value):
    assert "Unknown value" in refused(field, value)


@pytest.mark.parametrize("field", ["kind", "sector"])
@pytest.mark.parametrize("value", [None, ""])
def test_kind_and_sector_must_be_chosen(field, value):
    assert "Choose one" in refused(field, value)


def test_fee_and_audience_have_defaults():
    values = clean_place_values(place_values(fee=None, who_may_use=""))
    assert (values["fee"], values["who_may_use"]) == (Fee.FREE, Audience.ANYONE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("amenities", ["wifi", "jacuzzi"]), ("accessibility", ["ramp"]),
     ("conditions", ["smoking_ok"]), ("amenities", ["WIFI"]), ("conditions", ["wifi"])],
)  # fmt: skip
def test_unknown_keys_are_refused(field, value):
    assert value[-1] in refused(field, value)


@pytest.mark.parametrize("field", ["amenities", "accessibility", "conditions"])
def test_keys_must_be_a_list(field):
    assert "Must be a list" in refused(field, {"wifi": True})


@pytest.mark.parametrize(
    ("field", "given", "stored"),
    [
        ("amenities", ["toilet", "wifi", "toilet", "kitchen"], ["wifi", "kitchen", "toilet"]),
        ("accessibility", ("braille", "elevator", "braille"), ["elevator", "braille"]),
        ("conditions", {"pets_ok", "food_ok"}, ["food_ok", "pets_ok"]),
        ("amenities", "parking,wifi,parking", ["wifi", "parking"]),
        ("conditions", "children_welcome,", ["children_welcome"]),
        ("amenities", "", []),
        ("amenities", None, []),
    ],
)
def test_keys_are_deduplicated_in_vocabulary_order(field, given, stored):
    """Forms send comma strings, the API lists; both store each key once, in a stable order."""
    assert clean_place_values(place_values(**{field: given}))[field] == stored


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"), [(30, 30), ("30", 30), (" 12 ", 12), (5.0, 5), (100_000, 100_000),
                          (None, None), ("", None)],
)  # fmt: skip
def test_capacity_accepts_whole_numbers(given, stored):
    assert clean_place_values(place_values(capacity=given))["capacity"] == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("many", "Must be a number"),
        ([30], "Must be a number"),
        (True, "Must be a number"),
        (False, "Must be a number"),
        (2.5, "whole number"),
        ("2.5", "whole number"),
        (float("nan"), "whole number"),
        ("1e400", "whole number"),
        (0, "between"),
        (-3, "between"),
        (100_001, "between"),
        pytest.param(10**400, "between", id="huge-json-integer"),
    ],
)
def test_capacity_refuses_non_integers_zero_negative_and_huge(value, message):
    """A huge JSON integer included: it must be a message, not an OverflowError (HTTP 500)."""
    assert message in refused("capacity", value)


def test_floor_area_is_rounded_to_one_decimal():
    assert clean_place_values(place_values(floor_area_m2="42.26"))["floor_area_m2"] == 42.3


# --- name_kana ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("ひろば", "ヒロバ"), ("ﾋﾛﾊﾞ", "ヒロバ"), ("ヒロバ", "ヒロバ"),
     ("なかはら　ひろば", "ナカハラ ヒロバ"), ("ゔぁ・ー", "ヴァ・ー")],
)  # fmt: skip
def test_name_kana_becomes_full_width_katakana(given, stored):
    """The open-data layouts want 名称_カナ in full-width katakana, however it was typed."""
    assert clean_place_values(place_values(name_kana=given))["name_kana"] == stored


@pytest.mark.parametrize("value", ["広場", "ひろば広場", "Hiroba", "ＨＩＲＯＢＡ", "hiroba hall"])
def test_name_kana_refuses_kanji_and_latin(value):
    assert "katakana" in refused("name_kana", value)


# --- contact -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("contact_phone", "044-200-2111"), ("contact_phone", "+81 44 200 2111"),
     ("contact_phone", "(044) 200-2111"), ("contact_email", "hiroba@city.kawasaki.jp"),
     ("website_url", "https://www.city.kawasaki.jp/nakahara/"),
     ("website_url", "HTTP://example.jp/?q=ひろば")],
)  # fmt: skip
def test_contact_formats_accepted(field, value):
    assert clean_place_values(place_values(**{field: value}))[field] == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_phone", "call me"),
        ("contact_phone", "12345"),
        ("contact_phone", "044-200-2111 ext. 3"),
        ("contact_email", "hiroba"),
        ("contact_email", "hiroba@example"),
        ("contact_email", "hi roba@example.jp"),
        ("contact_email", "a@b@example.jp"),
        ("website_url", "javascript:alert(1)"),
        ("website_url", "JavaScript://example.jp/%0aalert(1)"),
        ("website_url", "data:text/html,<script>alert(1)</script>"),
        ("website_url", "ftp://example.jp/"),
        ("website_url", "www.example.jp"),
        ("website_url", "https://"),
        ("website_url", "https://example.jp/a b"),
    ],
)
def test_contact_formats_refused(field, value):
    """A javascript: link on a public page would run in visitors' browsers."""
    refused(field, value)


# --- location, precision and footprint ---------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [None, [], [LON], [LON, LAT, 10.0], "139.6,35.5", {"type": "Point", "coordinates": [LON]}],
)
def test_location_is_required_as_two_coordinates(location):
    assert "location on the map" in refused("location", location)


def test_location_accepts_a_geojson_point():
    values = clean_place_values(place_values(location={"type": "Point", "coordinates": [LON, LAT]}))
    assert values["location"] == Point(LON, LAT)


def test_swapped_location_is_refused_with_the_swap_message():
    assert "look swapped" in refused("location", [LAT, LON])


def test_vacant_house_defaults_to_approximate_precision():
    """Homes are shown only at a point somewhere in their ~500 m cell unless the owner says so."""
    values = clean_place_values(place_values(kind="vacant_house"))
    assert values["location_precision"] is LocationPrecision.APPROXIMATE
    exact = clean_place_values(place_values(kind="vacant_house", location_precision="exact"))
    assert exact["location_precision"] is LocationPrecision.EXACT


def test_other_kinds_default_to_exact_precision():
    values = clean_place_values(place_values(kind="park"))
    assert values["location_precision"] is LocationPrecision.EXACT


def test_footprint_around_the_point_is_accepted():
    values = clean_place_values(place_values(footprint=footprint_around()))
    assert isinstance(values["footprint"], Polygon)
    assert values["footprint"].covers(values["location"])


def refused_with(**overrides):
    errors = errors_of(**overrides)
    assert set(errors) == {"footprint"}, errors
    return errors["footprint"]


def test_approximate_place_with_a_footprint_is_refused():
    """An outline would reveal the home the approximate point is hiding."""
    message = refused_with(footprint=footprint_around(), location_precision="approximate")
    assert "outline would show exactly" in message


def test_vacant_house_by_default_cannot_have_a_footprint():
    assert "outline" in refused_with(kind="vacant_house", footprint=footprint_around())


def test_footprint_elsewhere_than_the_point_is_refused():
    far_away = footprint_around(lon=LON + 0.01)  # about 900 m east
    assert "surround the place" in refused("footprint", far_away)


def test_invalid_footprint_is_reported_on_its_field():
    bow_tie = {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 0.001, LAT + 0.001],
               [LON + 0.001, LAT], [LON, LAT + 0.001], [LON, LAT]]]}  # fmt: skip
    assert "crosses itself" in refused("footprint", bow_tie)
