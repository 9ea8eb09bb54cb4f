"""Ward pages: every ward, one ward's places with its centre's contact, and a printable map.

Wards are addressed by their 6-digit 全国地方公共団体コード; the 5-digit form people also use
redirects to it. Only published places appear, at their public points.
"""

from __future__ import annotations

import dataclasses
import re

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from hiroba import maps
from hiroba.districts import printing
from hiroba.districts.codes import InvalidCode, to_code6
from hiroba.districts.models import District
from hiroba.districts.queries import (
    districts_with_place_counts,
    extent,
    outlines_geojson,
    place_counts_by_kind,
)
from hiroba.errors import NotFound
from hiroba.extensions import db
from hiroba.maps import printing as print_maps
from hiroba.places.details import kind_icons, tokyo_now
from hiroba.places.finder import page_search
from hiroba.places.models import Place
from hiroba.places.search import PlaceSearch, count_places, search_places
from hiroba.places.vocabulary import Accessibility, Audience, PlaceKind, label

bp = Blueprint("districts", __name__)

WARD_PAGE_SIZE = 20
PRINT_LIMIT = 200  # entries on one printout; more is a booklet, not a notice
SIX_DIGITS = re.compile(r"^[0-9]{6}$")
FIVE_DIGITS = re.compile(r"^[0-9]{5}$")


def load_district(code: str) -> District:
    district = db.session.get(District, code) if SIX_DIGITS.match(code) else None
    if district is None:
        raise NotFound(_("There is no ward with this code."))
    return district


def six_digit_url(code: str) -> str | None:
    """This request's URL with a 5-digit code made 6-digit, or None if it is not 5 digits."""
    if not FIVE_DIGITS.match(code):
        return None
    try:
        code6 = to_code6(code)
    except InvalidCode:  # pragma: no cover - five digits always get a check digit
        return None
    # Query parameters come along, but none may pose as url_for's own (_external, _anchor…).
    args = {k: v for k, v in request.args.lists() if k != "code" and not k.startswith("_")}
    return url_for(request.endpoint, code=code6, **args)


@bp.get("/districts")
def index():
    """Every ward, with how many places it has."""
    wards = db.session.execute(districts_with_place_counts()).all()
    return render_template("districts/index.html", wards=wards)


@bp.get("/districts/<code>")
def detail(code: str):
    """One ward: its places on a map and in a list, counts by kind and its centre's contact."""
    if moved := six_digit_url(code):
        return redirect(moved, 301)
    district = load_district(code)
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    search = PlaceSearch(districts=(district.code,))
    listing = search_places(search).options(joinedload(Place.district))
    places = db.paginate(listing, page=page, per_page=WARD_PAGE_SIZE, error_out=False)
    counts = dict(db.session.execute(place_counts_by_kind(search)).all())
    fmap = maps.ward_map(
        center=current_app.config["MAP_CENTER"],
        zoom=current_app.config["MAP_ZOOM"],
        wards_geojson=outlines_geojson([district.code]),
        wards_name=_("Ward boundaries"),
        bounds=extent([district.code]),
    )
    return render_template(
        "districts/detail.html",
        district=district,
        places=places,
        kind_counts=[(kind, counts[kind]) for kind in PlaceKind if counts.get(kind)],
        map=fmap,
        kind_icons=kind_icons(),
        kind_labels={kind.value: label(kind) for kind in PlaceKind},
        print_choices={"kind": PlaceKind, "who": Audience, "accessibility": Accessibility},
    )


@bp.get("/districts/<code>/print")
def print_map(code: str):
    """An A4 map of the ward's places with a numbered list and QR codes, for notice boards.

    Takes the map page's filters (kind, who, accessibility…), always within this ward.
    """
    if moved := six_digit_url(code):
        return redirect(moved, 301)
    district = load_district(code)
    search = dataclasses.replace(page_search(request.args).search, districts=(district.code,))
    matched = db.session.scalar(count_places(search))
    found = db.session.scalars(
        search_places(search)
        .options(joinedload(Place.district), selectinload(Place.opening_hours))
        .limit(PRINT_LIMIT)
    ).all()
    entries = printing.print_entries(found)
    fmap = print_maps.print_map(
        numbered_points=printing.numbered_points(entries),
        wards_geojson=outlines_geojson([district.code]),
        bounds=extent([district.code]),
    )
    return render_template(
        "districts/print.html",
        district=district,
        entries=entries,
        matched=matched,
        filters=printing.filter_summary(search),
        map=fmap,
        map_credit=print_maps.print_credit(),
        printed_on=tokyo_now().date(),
    )
