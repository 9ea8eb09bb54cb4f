"""The place form: one field per value an owner edits, turned into the raw values the services
take (``places.validation.clean_place_values`` is the only validator).

No WTForms validators run here: the form only carries what was typed back and forth, so that a
rejected value is shown again exactly as typed, next to the service's message.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from hiroba.places.validation import MAX_PERIODS_PER_DAY
from hiroba.places.vocabulary import (
    LABELS,
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    LocationPrecision,
    PlaceKind,
    Sector,
)

PERIODS_SHOWN = 2  # rows per weekday in the hours editor (more only if a place already has them)
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
# A hand-drawn outline of MAX_VERTICES points is well under this; anything longer is not one.
MAX_FOOTPRINT_CHARS = 200_000
# Time inputs cannot hold 24:00: a period that closes at 00:00 closes at midnight.
_MIDNIGHT = re.compile(r"^0?0:00$")
# Service field names whose errors belong to a differently named form field.
ERROR_FIELDS = {"location": "lon", "caption": "photo_caption"}


def _choices(enum: type[StrEnum]) -> list[SelectChoice]:
    """Choices with lazy labels, translated when the form is rendered."""
    return [SelectChoice(member.value, LABELS[member]) for member in enum]


class CheckboxGroupField(SelectMultipleField):
    """Several choices as checkboxes (labels from the vocabulary)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _closing(value: str) -> str:
    """A period closing at 00:00 closes at midnight (24:00)."""
    return "24:00" if _MIDNIGHT.match(value) else value


class WeeklyHoursField(Field):
    """Opening hours as time inputs: for each weekday, rows of (opens, closes).

    Inputs are named ``<name>-<weekday>-<row>-opens`` / ``-closes`` (ISO weekday, row from 1).
    ``data`` is the list of periods in the services' raw shape; a half-filled row is passed on
    as it is, so the service says what is missing.
    """

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.object_data = data
        self.slots: dict[int, list[tuple[str, str]]] = {day: [] for day in range(1, 8)}
        if formdata is not None and any(key.startswith(self.name + "-") for key in formdata):
            self._from_formdata(formdata)
        else:
            self._from_periods(data or [])

    def _from_formdata(self, formdata) -> None:
        for day in range(1, 8):
            for row in range(1, MAX_PERIODS_PER_DAY + 1):
                prefix = f"{self.name}-{day}-{row}"
                opens = formdata.get(prefix + "-opens", "").strip()
                closes = formdata.get(prefix + "-closes", "").strip()
                if opens or closes:
                    self.slots[day].append((opens, closes))

    def _from_periods(self, periods) -> None:
        for period in periods:
            self.slots[int(period["weekday"])].append(
                (period.get("opens", ""), period.get("closes", ""))
            )

    @property
    def data(self) -> list[dict[str, Any]]:
        return [
            {"weekday": day, "opens": opens, "closes": _closing(closes)}
            for day, rows in self.slots.items()
            for opens, closes in rows
        ]

    @data.setter
    def data(self, value) -> None:  # WTForms assigns defaults; the slots hold the state
        pass

    def rows(self, day: int) -> list[tuple[int, str, str]]:
        """(row number, opens, closes) for one weekday, padded with empty rows."""
        filled = self.slots.get(day, [])
        count = min(MAX_PERIODS_PER_DAY, max(PERIODS_SHOWN, len(filled)))
        # A time input cannot show 24:00 (it would show nothing): 00:00 closes at midnight too.
        filled = [(opens, "00:00" if closes == "24:00" else closes) for opens, closes in filled]
        padded = filled + [("", "")] * (count - len(filled))
        return [(row, opens, closes) for row, (opens, closes) in enumerate(padded, start=1)]


def _footprint(text: str | None) -> Any:
    """The drawn outline: GeoJSON text from the map script, or nothing."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_FOOTPRINT_CHARS:
        return text  # not GeoJSON: the service refuses it by name
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class PlaceForm(FlaskForm):
    """Every value of a place, grouped as the template shows them."""

    version = HiddenField()

    name = StringField(_l("Name"), description=_l("The name people know the place by."))
    name_kana = StringField(
        _l("Reading (katakana)"), description=_l("Example: コスギシミンカン. Hiragana is fine too.")
    )
    name_en = StringField(_l("English name (optional)"))

    kind = SelectField(
        _l("Kind of place"),
        choices=[SelectChoice("", _l("Choose…")), *_choices(PlaceKind)],
        default="",
    )
    sector = RadioField(_l("Run by"), choices=_choices(Sector))

    description = TextAreaField(
        _l("Description"),
        description=_l("What the place is like and what it suits: rooms, size, atmosphere."),
    )

    lon = StringField(_l("Longitude"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    lat = StringField(_l("Latitude"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    address = StringField(
        _l("Address"),
        description=_l("Shown only for exact locations; never shown for approximate ones."),
    )
    location_precision = RadioField(
        _l("How exactly may the public see where it is?"), choices=_choices(LocationPrecision)
    )
    footprint = HiddenField()

    capacity = StringField(
        _l("Capacity (people)"), render_kw={"type": "number", "min": 1, "inputmode": "numeric"}
    )
    floor_area_m2 = StringField(
        _l("Floor area (m²)"),
        render_kw={"type": "number", "min": 1, "step": "0.1", "inputmode": "decimal"},
    )

    who_may_use = RadioField(_l("Who may use it"), choices=_choices(Audience), default="anyone")
    fee = RadioField(_l("Fee"), choices=_choices(Fee), default="free")
    fee_details = StringField(
        _l("Fee details"), description=_l("Example: 1時間 500円、町内会員は無料")
    )
    conditions = CheckboxGroupField(_l("Conditions of use"), choices=_choices(Condition))
    amenities = CheckboxGroupField(_l("Amenities"), choices=_choices(Amenity))
    accessibility = CheckboxGroupField(_l("Accessibility"), choices=_choices(Accessibility))

    opening_hours = WeeklyHoursField(_l("Weekly opening hours"))
    hours_note = StringField(
        _l("Notes on opening hours"),
        description=_l("Example: 第3日曜は休み。年末年始は休館。"),
    )

    contact_phone = StringField(_l("Phone"), render_kw={"type": "tel", "autocomplete": "off"})
    contact_email = StringField(_l("Email"), render_kw={"type": "email", "autocomplete": "off"})
    website_url = StringField(
        _l("Website"), render_kw={"type": "url", "placeholder": "https://", "autocomplete": "off"}
    )

    photos = MultipleFileField(
        _l("Add photos"),
        description=_l("JPEG, PNG or WebP. Location data (GPS) is removed from every photo."),
        render_kw={"accept": PHOTO_TYPES},
    )
    photo_caption = StringField(
        _l("Caption for the new photos (optional)"),
        description=_l("Describes the photos for people who cannot see them."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for required in (self.name, self.kind, self.sector, self.lon, self.lat):
            required.flags.required = True

    @classmethod
    def initial(cls, raw: dict[str, Any], version: int | None = None) -> dict[str, Any]:
        """Field data prefilled from a place's raw values (``places.values``)."""
        data = {key: raw.get(key) for key in cls._text_fields()}
        lon, lat = raw.get("location") or ("", "")
        data.update(
            lon=_text(lon),
            lat=_text(lat),
            footprint=json.dumps(raw["footprint"]) if raw.get("footprint") else "",
            capacity=_text(raw.get("capacity")),
            floor_area_m2=_text(raw.get("floor_area_m2")),
            amenities=raw.get("amenities") or [],
            accessibility=raw.get("accessibility") or [],
            conditions=raw.get("conditions") or [],
            opening_hours=raw.get("opening_hours") or [],
            version=_text(version),
        )
        return data

    @staticmethod
    def _text_fields() -> tuple[str, ...]:
        return (
            "name", "name_kana", "name_en", "kind", "sector", "description", "address",
            "location_precision", "who_may_use", "fee", "fee_details", "hours_note",
            "contact_phone", "contact_email", "website_url",
        )  # fmt: skip

    def raw_values(self) -> dict[str, Any]:
        """What was typed, in the raw shape of ``clean_place_values``."""
        raw: dict[str, Any] = {key: getattr(self, key).data for key in self._text_fields()}
        lon, lat = (self.lon.data or "").strip(), (self.lat.data or "").strip()
        raw.update(
            location=[lon, lat] if lon or lat else None,
            footprint=_footprint(self.footprint.data),
            capacity=self.capacity.data,
            floor_area_m2=self.floor_area_m2.data,
            amenities=self.amenities.data or [],
            accessibility=self.accessibility.data or [],
            conditions=self.conditions.data or [],
            opening_hours=self.opening_hours.data,
        )
        return raw

    def expected_version(self) -> int:
        """The version the editor saw (-1 if missing or tampered: never equal, so a conflict)."""
        value = (self.version.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1

    def uploads(self) -> list:
        """The chosen photo files (browsers send one empty part when none is chosen)."""
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]


class ProxyPlaceForm(PlaceForm):
    """代理登録: the place form plus who the owner is and how they agreed."""

    owner_email = StringField(
        _l("Email of the owner's account (optional)"),
        description=_l(
            "If the owner has an account, they will own the listing. "
            "Otherwise you hold it for them."
        ),
        render_kw={"type": "email", "autocomplete": "off"},
    )
    owner_note = TextAreaField(
        _l("Owner's name and how to reach them"),
        description=_l("For ward staff only; never shown to the public."),
    )
    consent_note = TextAreaField(
        _l("How and when the owner agreed"),
        description=_l("Example: 2026年11月20日、区役所窓口で本人が口頭で同意（担当：山田）"),
    )

    # Photos are added later by whoever holds the listing (from its edit page).
    photos = None
    photo_caption = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_note.flags.required = True

    def uploads(self) -> list:
        return []
