"""Coverage pages for a ward's social design centre: where the ward lacks places to meet.

``/staff/districts/<code>`` shows a ward's counts and its gaps — the parts farther than a walking
distance from every published place matching the chosen filters — on a map and in a table,
with CSV and GeoJSON downloads. ``/staff/districts`` compares the wards one may see (every ward,
for administrators).

Wards are public (their pages list their places), so a ward that is not one's own is
"forbidden", not "not found". The gaps are drawn around exact locations: every response here
is private and never cached.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from hiroba import maps
from hiroba.coverage import exports
from hiroba.coverage.counts import ward_breakdowns
from hiroba.coverage.params import (
    DEFAULT_DISTANCE_M,
    DISTANCE_RANGE,
    CoverageRequest,
    parse_coverage_request,
)
from hiroba.coverage.queries import compare_wards, measure_coverage
from hiroba.districts.models import District
from hiroba.districts.queries import DISPLAY_TOLERANCE_DEG, extent, outlines_geojson
from hiroba.errors import InvalidParameter, NotFound, PermissionDenied
from hiroba.extensions import db, login_manager
from hiroba.needs.queries import need_figures
from hiroba.permissions import can_use_staff_pages, can_view_coverage
from hiroba.places.finder import CHOICES, filter_args, filter_form
from hiroba.staff.queries import reviewable_wards, wards_of

bp = Blueprint("coverage", __name__)

SIX_DIGITS = re.compile(r"^[0-9]{6}$")
GAP_LIST_LIMIT = 30  # rows of the gap table; the map and the GeoJSON file hold every gap


@bp.before_request
def staff_only():
    """Log in first; then staff with a ward, or an admin."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_use_staff_pages(current_user):
        raise PermissionDenied()
    return None


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _viewable_ward(code: str) -> District:
    district = db.session.get(District, code) if SIX_DIGITS.match(code) else None
    if district is None:
        raise NotFound(_("There is no ward with this code."))
    if not can_view_coverage(current_user, district.code):
        raise PermissionDenied(_("You can see the coverage of your own wards only."))
    return district


def _titles() -> dict[str, str]:
    return {
        "status": _("Status of the listings"),
        "kind": _("Kind of place"),
        "sector": _("Sector"),
        "who": _("Who may use it"),
        "accessibility": _("Accessibility"),
    }


def _page_values() -> dict:
    """What every coverage page's filter form needs."""
    return {
        "form": filter_form(request.args),
        "choices": CHOICES,
        "distance_range": DISTANCE_RANGE,
        "default_distance": DEFAULT_DISTANCE_M,
        "filters": filter_args(request.args).to_dict(),
    }


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _gaps_layer(coverage) -> dict:
    """The gaps for the map: outlines only, no text."""
    features = [
        {"type": "Feature", "properties": {"rank": rank}, "geometry": gap.geometry}
        for rank, gap in enumerate(coverage.gaps, start=1)
    ]
    return {"type": "FeatureCollection", "features": features}


@bp.get("/staff/districts/<code>")
def dashboard(code: str):
    """One ward: its counts, and its gaps for the distance and filters asked for."""
    district = _viewable_ward(code)
    try:
        asked: CoverageRequest | None = parse_coverage_request(request.args)
        coverage = measure_coverage(
            district.code, asked.search, asked.distance_m, simplify_deg=DISPLAY_TOLERANCE_DEG
        )
        error = None
    except InvalidParameter as refused:
        asked, coverage, error = None, None, refused
    fmap = maps.coverage_map(
        center=current_app.config["MAP_CENTER"],
        zoom=current_app.config["MAP_ZOOM"],
        ward_geojson=outlines_geojson([district.code]),
        gaps_geojson=_gaps_layer(coverage) if coverage else {"features": []},
        wards_name=_("Ward boundary"),
        gaps_name=_("Gaps"),
        bounds=extent([district.code]),
    )
    html = render_template(
        "coverage/dashboard.html", district=district, coverage=coverage, error=error,
        breakdowns=ward_breakdowns(district.code, _titles()), map=fmap,
        gap_limit=GAP_LIST_LIMIT, needs=need_figures(district.code, datetime.now(UTC), 365),
        **_page_values(),
    )  # fmt: skip
    return html, 400 if error else 200


@bp.get("/staff/districts/<code>/counts.csv")
def counts_csv(code: str):
    """The ward's counts as CSV."""
    district = _viewable_ward(code)
    body = exports.counts_csv(district.code, ward_breakdowns(district.code, _titles()))
    return _download(body, "text/csv", f"hiroba-{district.code}-counts.csv")


@bp.get("/staff/districts/<code>/gaps.geojson")
def gaps_geojson(code: str):
    """Every gap of the ward for the distance and filters asked for, as GeoJSON."""
    district = _viewable_ward(code)
    asked = parse_coverage_request(request.args)
    coverage = measure_coverage(district.code, asked.search, asked.distance_m)
    collection = exports.gaps_geojson(district, coverage, filter_args(request.args).to_dict())
    body = json.dumps(collection, ensure_ascii=False)
    filename = f"hiroba-{district.code}-gaps-{asked.distance_m}m.geojson"
    return _download(body, "application/geo+json", filename)


def _comparison() -> tuple[CoverageRequest, list]:
    asked = parse_coverage_request(request.args)
    districts = list(db.session.scalars(wards_of(reviewable_wards(current_user))))
    return asked, compare_wards(districts, asked.search, asked.distance_m)


@bp.get("/staff/districts")
def index():
    """The wards one may see side by side (every ward for administrators)."""
    try:
        asked, lines = _comparison()
        error = None
    except InvalidParameter as refused:
        asked, lines, error = None, [], refused
    html = render_template(
        "coverage/index.html", lines=lines, asked=asked, error=error, **_page_values()
    )
    return html, 400 if error else 200


@bp.get("/staff/districts.csv")
def index_csv():
    """The comparison across wards as CSV."""
    asked, lines = _comparison()
    body = exports.comparison_csv(lines, asked.distance_m)
    return _download(body, "text/csv", f"hiroba-coverage-{asked.distance_m}m.csv")
