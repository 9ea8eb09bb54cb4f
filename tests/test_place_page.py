"""The place page: today's hours, open now, accessibility, asking to use it, and what it tells
search engines and shared links (JSON-LD, meta, Open Graph) — never more than the public listing."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places import details
from hiroba.places.models import Place
from hiroba.places.search import TOKYO
from tests.auth_helpers import EN, logged_in
from tests.factories import NAKAHARA, WARD_POINTS
from tests.test_pages import SECRET_ADDRESS, SECRET_POINT, inline_scripts, mentions, page
from tests.test_photos import approve, image_bytes, photo_dir, stored_photo, submit  # noqa: F401

HOSTILE = "</script><script>alert(1)</script>${alert(2)}"
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def every_day_distinct() -> list[dict]:
    """Hours for every weekday, each day's different: 01:05–13:07 on Monday, 02:10–14:14…"""
    return [
        {"weekday": d, "opens": f"{d:02d}:{d * 5:02d}", "closes": f"{d + 12:02d}:{d * 7:02d}"}
        for d in range(1, 8)
    ]


def today_in_tokyo() -> int:
    return datetime.now(TOKYO).isoweekday()


def json_ld(source: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', source, re.S)
    return json.loads(block)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each script, as a browser reads."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def meta(self, key: str) -> list[str]:
        return [
            a.get("content")
            for t, a in self.tags
            if t == "meta" and (a.get("name") == key or a.get("property") == key)
        ]


def public_point(app, place) -> tuple[float, float]:
    with app.app_context():
        return db.session.execute(
            select(func.ST_X(Place.public_location), func.ST_Y(Place.public_location)).where(
                Place.id == place.id
            )
        ).one()


def set_centre(app, code: str, **values) -> None:
    with app.app_context():
        district = db.session.get(District, code)
        for key, value in values.items():
            setattr(district, key, value)
        db.session.commit()


# --- hours -------------------------------------------------------------------------------------


def page_within_one_day(client, path: str) -> tuple[str, int]:
    """The page in English and the Tokyo weekday it was made on (asked again if midnight in
    Tokyo passed while it was made, which can happen only once in a row)."""
    while True:
        before = today_in_tokyo()
        source = page(client, path, **EN)
        if today_in_tokyo() == before:
            return source, before


def test_todays_row_is_marked_and_holds_todays_hours(client, make_place):
    place = make_place(opening_hours=every_day_distinct())
    source, before = page_within_one_day(client, f"/places/{place.id}")
    rows = re.findall(r"<tr([^>]*)>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>", source, re.S)
    assert len(rows) == 7
    marked = [(attrs, th, td) for attrs, th, td in rows if 'aria-current="date"' in attrs]
    assert len(marked) == 1
    attrs, th, td = marked[0]
    d = before
    assert 'class="today"' in attrs
    assert DAYS[d - 1] in th and "Today" in th  # the words, not only a colour
    assert td == f"{d:02d}:{d * 5:02d}–{d + 12:02d}:{d * 7:02d}"
    others = [th for attrs, th, _td in rows if "aria-current" not in attrs]
    assert not any("Today" in th for th in others)


def test_a_place_open_all_day_is_open_now(client, make_place):
    hours = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
    place = make_place(opening_hours=hours)
    source = page(client, f"/places/{place.id}", **EN)
    assert re.search(r'class="open-status is-open">.*Open now, until 24:00</p>', source)


def test_a_place_closed_today_says_when_it_next_opens(client, make_place):
    while True:  # again if midnight in Tokyo passed meanwhile: "tomorrow" has moved
        tomorrow = today_in_tokyo() % 7 + 1
        hours = [{"weekday": tomorrow, "opens": "10:00", "closes": "12:00"}]
        place = make_place(opening_hours=hours)
        source, today = page_within_one_day(client, f"/places/{place.id}")
        if today % 7 + 1 == tomorrow:
            break
    assert "is-closed" in source
    assert f"Closed now. Next opens {DAYS[tomorrow - 1]} at 10:00" in source


def test_without_hours_there_is_no_open_now_line(client, make_place):
    place = make_place(opening_hours=[])
    source = page(client, f"/places/{place.id}", **EN)
    assert "open-status" not in source
    assert "No regular opening hours are listed." in source


def period(weekday, opens, closes):
    return SimpleNamespace(weekday=weekday, opens_minute=opens, closes_minute=closes)


@pytest.mark.parametrize(
    ("moment", "is_open", "time"),
    [
        ("2026-11-23T09:59:59+09:00", False, "10:00"),  # Monday, before opening: opens today
        ("2026-11-23T10:00:00+09:00", True, "12:00"),  # opening minute: open until 12
        ("2026-11-23T11:59:00+09:00", True, "12:00"),
        ("2026-11-23T12:00:00+09:00", False, "13:00"),  # closing minute: closed, opens at 13
        ("2026-11-23T15:00:00+09:00", False, "10:00"),  # after the last period: next Monday
        ("2026-11-23T01:30:00+00:00", True, "12:00"),  # 10:30 in Tokyo, whatever the zone
    ],
)
def test_open_status_is_judged_in_tokyo_time(app, moment, is_open, time):
    hours = [period(1, 600, 720), period(1, 780, 840)]
    with app.test_request_context(headers=EN):
        status = details.open_status(hours, datetime.fromisoformat(moment))
    assert status[0] is is_open
    assert time in status[1]


def test_hours_summary_joins_days_with_the_same_hours(app):
    hours = [period(d, 540, 1020) for d in range(1, 6)] + [period(6, 600, 720)]
    with app.test_request_context(headers=EN):
        assert details.hours_summary(hours) == "Mon–Fri 09:00–17:00; Sat 10:00–12:00"
        assert details.hours_summary([]) == ""
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert details.hours_summary(hours).startswith("月")


# --- kind, accessibility, ward -------------------------------------------------------------------


def test_kind_and_accessibility_show_icons_with_words(client, make_place):
    place = make_place(kind="park", accessibility=["step_free_entrance", "braille"])
    source = page(client, f"/places/{place.id}", **EN)
    assert re.search(r'<img class="kind-icon" src="/static/icons/kinds/park.svg" alt=""', source)
    assert "Park, green or plaza" in source
    features = re.search(r'<ul class="features">(.*?)</ul>', source, re.S).group(1)
    items = re.findall(r"<li>(<svg.*?</svg>)<span>([^<]+)</span></li>", features, re.S)
    assert [text for _svg, text in items] == ["Step-free entrance", "Braille signs"]
    assert all('aria-hidden="true"' in svg for svg, _text in items)


def test_a_kind_without_an_icon_gets_a_coloured_dot(client, make_place, monkeypatch):
    monkeypatch.setattr(details, "KIND_ICONS", details.Path("icons") / "no-such-folder")
    place = make_place(kind="cafe")
    source = page(client, f"/places/{place.id}")
    assert '<span class="kind-dot kind-cafe" aria-hidden="true"></span>' in source
    assert 'class="kind-icon"' not in source


def test_the_page_links_to_its_ward(client, make_place):
    place = make_place()
    source = page(client, f"/places/{place.id}")
    assert f'href="/districts/{NAKAHARA}"' in source


# --- asking to use the place -------------------------------------------------------------------


def test_the_call_to_action_gives_the_ward_centre_and_the_places_contact(app, client, make_place):
    set_centre(
        app, NAKAHARA, centre_name="中原区ソーシャルデザインセンター",
        centre_email="sdc@example.jp", centre_url="https://example.jp/sdc/",
        centre_hours="平日 9:00〜17:00", centre_phone="044-000-0000",
    )  # fmt: skip
    place = make_place(contact_email="desk@example.jp", contact_phone="044-111-1111")
    source = page(client, f"/places/{place.id}", **EN)
    box = re.search(r'<section class="ask-to-use".*?</section>', source, re.S).group(0)
    assert "Ask to use this place" in box
    assert "中原区ソーシャルデザインセンター" in box
    assert 'href="mailto:sdc@example.jp"' in box and 'href="tel:044-000-0000"' in box
    assert 'href="https://example.jp/sdc/"' in box and "平日 9:00〜17:00" in box
    assert 'href="mailto:desk@example.jp"' in box and 'href="tel:044-111-1111"' in box
    assert 'href="#ask"' in source  # a button near the top jumps there


def test_without_a_centre_contact_the_page_points_to_the_ward_office(client, make_place):
    place = make_place()  # the test wards have no centre contact
    source = page(client, f"/places/{place.id}", **EN)
    box = re.search(r'<section class="ask-to-use".*?</section>', source, re.S).group(0)
    assert "The ward office of Nakahara-ku can put you in touch." in box
    assert "mailto:" not in box


# --- structured data and sharing ---------------------------------------------------------------


def test_json_ld_describes_the_place(client, make_place):
    place = make_place(
        name="小杉の集会所", kind="community_hall", opening_hours=every_day_distinct(),
        amenities=["wifi"], accessibility=["elevator"], capacity=40, fee="free",
    )  # fmt: skip
    source = page(client, f"/places/{place.id}", **EN)
    data = json_ld(source)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "CivicStructure"
    assert data["name"] == "小杉の集会所"
    assert data["url"] == f"http://localhost/places/{place.id}"
    assert data["description"] == place.description
    assert data["address"]["streetAddress"] == place.address
    assert data["address"]["addressLocality"] == "川崎市中原区"
    lon, lat = WARD_POINTS[NAKAHARA]
    assert (data["geo"]["longitude"], data["geo"]["latitude"]) == (lon, lat)
    hours = data["openingHoursSpecification"]
    assert len(hours) == 7
    assert hours[0] == {"@type": "OpeningHoursSpecification",
                        "dayOfWeek": "https://schema.org/Monday",
                        "opens": "01:05", "closes": "13:07"}  # fmt: skip
    assert {f["name"] for f in data["amenityFeature"]} == {"Wi-Fi", "Lift"}
    assert data["maximumAttendeeCapacity"] == 40 and data["isAccessibleForFree"] is True
    assert data["containedInPlace"]["url"] == f"http://localhost/districts/{NAKAHARA}"
    assert "image" not in data  # no photo


@pytest.mark.parametrize(
    ("kind", "schema_type"),
    [("park", "Park"), ("cafe", "CafeOrCoffeeShop"), ("shrine_temple", "PlaceOfWorship"),
     ("vacant_shop", "Place"), ("school", "CivicStructure")],
)  # fmt: skip
def test_json_ld_type_follows_the_kind(client, make_place, kind, schema_type):
    place = make_place(kind=kind)
    assert json_ld(page(client, f"/places/{place.id}"))["@type"] == schema_type


def test_title_meta_open_graph_and_canonical(client, make_place):
    place = make_place(name="等々力の広場", description="広い芝生の広場です。\n誰でも使えます。")
    tags = Tags(page(client, f"/places/{place.id}", **EN))
    url = f"http://localhost/places/{place.id}"
    assert tags.meta("og:title") == ["等々力の広場"]
    assert tags.meta("og:url") == [url]
    assert tags.meta("og:type") == ["website"]
    (description,) = tags.meta("description")
    assert description == "Community hall · Nakahara-ku · 広い芝生の広場です。 誰でも使えます。"
    assert tags.meta("og:description") == [description]
    assert tags.meta("og:image") == []  # no public photo
    assert ("link", {"rel": "canonical", "href": url}) in tags.tags
    assert re.search(r"<title>等々力の広場 \| ", page(client, f"/places/{place.id}", **EN))


@pytest.mark.usefixtures("photo_dir")
def test_a_public_photo_becomes_the_shared_image(app, make_place, make_user, make_staff):
    owner = make_user()
    place = make_place(owner=owner, status="draft")
    photo = stored_photo(app, place, owner, image_bytes("PNG"))
    submit(app, place, owner)
    approve(app, place, make_staff(NAKAHARA))
    source = page(app.test_client(), f"/places/{place.id}")
    image = f"http://localhost/photos/{photo.storage_key}"
    assert Tags(source).meta("og:image") == [image]
    assert json_ld(source)["image"] == [image]


def test_an_unpublished_place_is_not_described_to_search_engines(app, make_place, make_user):
    owner = make_user()
    place = make_place(owner=owner, status="pending")
    source = page(logged_in(app.test_client(), owner), f"/places/{place.id}")
    assert "application/ld+json" not in source
    assert Tags(source).meta("robots") == ["noindex"]
    assert Tags(source).meta("og:title") == []


def test_an_approximate_place_shares_only_its_public_point_and_ward(app, make_place, make_user):
    owner = make_user()
    place = make_place(
        owner=owner, kind="vacant_house", sector="private", location_precision="approximate",
        location=list(SECRET_POINT), address=SECRET_ADDRESS, name="中原の離れ",
    )  # fmt: skip
    public = public_point(app, place)
    source = page(app.test_client(), f"/places/{place.id}", **EN)
    data = json_ld(source)
    assert "streetAddress" not in data["address"]
    assert data["address"]["addressLocality"] == "川崎市中原区"
    geo = (data["geo"]["longitude"], data["geo"]["latitude"])
    assert round(geo[0], 4) == round(public[0], 4) and round(geo[1], 4) == round(public[1], 4)
    assert (round(geo[0], 4), round(geo[1], 4)) != (
        round(SECRET_POINT[0], 4),
        round(SECRET_POINT[1], 4),
    )
    tags = Tags(source)
    shared = " ".join(
        [json.dumps(data, ensure_ascii=False), *tags.meta("description"), *tags.meta("og:title"),
         *tags.meta("og:description"), *tags.meta("og:url")]
    )  # fmt: skip
    # The public point is drawn at random in the cell and may share the true point's first
    # decimals by chance: it is taken out before looking for the true one.
    for drawn in public:
        for printed in (str(round(drawn, 6)), f"{drawn:.6f}"):
            shared = shared.replace(printed, "(public)")
    for decimals in (4, 5, 6):
        for coordinate in SECRET_POINT:
            assert f"{coordinate:.{decimals}f}" not in shared
    assert not mentions(source, SECRET_ADDRESS) and "ひみつ荘" not in source
    # Its owner sees the exact map, yet what the page tells machines stays the public listing.
    owner_source = page(logged_in(app.test_client(), owner), f"/places/{place.id}")
    assert json_ld(owner_source) == json_ld(page(app.test_client(), f"/places/{place.id}"))
    assert SECRET_ADDRESS not in json.dumps(json_ld(owner_source), ensure_ascii=False)


@pytest.mark.parametrize("field", ["name", "description"])
def test_hostile_text_cannot_leave_the_json_ld_or_meta_tags(client, make_place, field):
    place = make_place(**{field: HOSTILE})
    source = page(client, f"/places/{place.id}")
    assert "</script><script>alert(1)" not in source
    tags = Tags(source)
    (ld,) = [text for attrs, text in tags.scripts if attrs.get("type") == "application/ld+json"]
    assert json.loads(ld)[field] == HOSTILE  # intact inside, as data
    assert "</" not in ld  # tojson escapes it, so the element cannot be closed from inside
    executable = [
        text for attrs, text in tags.scripts if "src" not in attrs and "type" not in attrs
    ]
    assert len(executable) == 1  # the map's own script only
    assert not any("alert(" in text for text in executable)
    assert not any("alert(" in body for _tag, body in inline_scripts(source))
    meta_text = tags.meta("description") + tags.meta("og:title") + tags.meta("og:description")
    assert any(HOSTILE in text for text in meta_text)  # attribute values keep the text whole
    # Nothing hostile became a tag of its own.
    assert [t for t, _a in tags.tags].count("script") == len(tags.scripts)
    assert sum(1 for t, a in tags.tags if t == "meta" and a.get("name") == "description") == 1
