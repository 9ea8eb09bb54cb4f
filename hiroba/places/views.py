"""Public pages: the map with its list of places, and one place."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from hiroba import geo, maps
from hiroba.database import MAX_ID
from hiroba.districts.queries import extent, outlines_geojson
from hiroba.errors import NotFound
from hiroba.extensions import db
from hiroba.permissions import can_see_exact_location, can_view_place
from hiroba.places.models import Place
from hiroba.places.queries import approved_places, public_listing_order
from hiroba.places.vocabulary import LABELS, LocationPrecision

bp = Blueprint("places", __name__)

LIST_PAGE_SIZE = 20


def _layer_names() -> dict[str, str]:
    return {"osm": _("OpenStreetMap"), "gsi": _("GSI standard map")}


@bp.get("/")
def index():
    """The map of approved places, with a server-rendered list (works without JavaScript)."""
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    listing = public_listing_order(approved_places()).options(joinedload(Place.district))
    places = db.paginate(listing, page=page, per_page=LIST_PAGE_SIZE, error_out=False)
    fmap = maps.places_map(
        center=current_app.config["MAP_CENTER"],
        zoom=current_app.config["MAP_ZOOM"],
        tile_layers=current_app.config["MAP_TILE_LAYERS"],
        layer_names=_layer_names(),
        wards_geojson=outlines_geojson(),
        wards_name=_("Wards"),
        bounds=extent(),
    )
    labels = {str(key): str(value) for key, value in LABELS.items()}
    return render_template("places/index.html", places=places, map=fmap, labels=labels)


@bp.get(f"/places/<int(max={MAX_ID}):place_id>")
def detail(place_id: int):
    """One place. Unpublished places are visible to their owner and the ward's staff only."""
    place = db.session.get(Place, place_id)
    if place is None or not can_view_place(current_user, place):
        raise NotFound(_("There is no published place at this address."))
    # The exact point of an approximate place is for its owner and the ward's staff only.
    exact = can_see_exact_location(current_user, place)
    hidden = place.location_precision == LocationPrecision.APPROXIMATE and not exact
    fmap = maps.place_map(
        point=geo.from_db(place.public_location if hidden else place.location),
        footprint=None if hidden else geo.from_db(place.footprint),
        approximate=hidden,
        tile_layers=current_app.config["MAP_TILE_LAYERS"],
        layer_names=_layer_names(),
    )
    return render_template("places/detail.html", place=place, map=fmap, hidden=hidden)
