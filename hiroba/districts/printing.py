"""The printed ward map's list: numbered entries with a QR code linking back to each place.

QR codes are SVG made here with segno, so the printout needs no network and no JavaScript.
Addresses follow the public listing: the ward only for places published approximately.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import segno
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from hiroba import geo
from hiroba.i18n import localized
from hiroba.places.details import hours_summary
from hiroba.places.models import Place
from hiroba.places.search import TOKYO, PlaceSearch
from hiroba.places.vocabulary import LocationPrecision, label

QR_ERROR_LEVEL = "m"  # survives a crease or a smudge on a notice board


@dataclass(frozen=True)
class PrintEntry:
    number: int
    place: Place
    url: str  # absolute: it is read from paper by a phone
    address: str
    hours: str
    qr_svg: Markup


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of ``url`` (always a full QR, never Micro QR, which phones
    often cannot read); sized by the stylesheet."""
    code = segno.make_qr(url, error=QR_ERROR_LEVEL)
    return Markup(code.svg_inline(omitsize=True, svgclass="qr", lineclass="qr-modules"))


def public_address(place: Place) -> str:
    """The street address of an exact place; the ward alone for an approximate one."""
    ward = localized(place.district.name_ja, place.district.name_en)
    if place.location_precision == LocationPrecision.APPROXIMATE:
        return _("%(ward)s (approximate location)", ward=ward)
    return place.address or ward


def print_entries(places: Iterable[Place]) -> list[PrintEntry]:
    """Numbered from 1, in the order given."""
    entries = []
    for number, place in enumerate(places, start=1):
        url = url_for("places.detail", place_id=place.id, _external=True)
        entries.append(
            PrintEntry(
                number=number,
                place=place,
                url=url,
                address=public_address(place),
                hours=hours_summary(place.opening_hours),
                qr_svg=qr_svg(url),
            )
        )
    return entries


def numbered_points(entries: Iterable[PrintEntry]) -> list[tuple[int, object]]:
    """(number, public point) of each entry, for the print map's markers."""
    return [(e.number, geo.from_db(e.place.public_location)) for e in entries]


def filter_summary(search: PlaceSearch) -> list[str]:
    """The filters of a printout in words, so that a reader knows what the list leaves out."""
    chosen = (search.kinds, search.audiences, search.accessibility, search.amenities,
              search.conditions)  # fmt: skip
    words = [label(value) for values in chosen for value in values]
    if search.q:
        words.append(_("Text: %(q)s", q=search.q))
    if search.capacity_min:
        words.append(_("At least %(n)s people", n=search.capacity_min))
    if search.open_at:
        moment = search.open_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
        words.append(_("Open at %(time)s", time=moment))
    return words
