"""Public pages: the map with its list of places, one place, and photos of places."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from shapely.geometry import Point
from sqlalchemy import select

from hiroba import geo, maps
from hiroba.activities.schedule import for_place_page
from hiroba.database import MAX_ID
from hiroba.districts.queries import all_districts, extent, outlines_geojson
from hiroba.errors import InvalidParameter, NotFound
from hiroba.extensions import db
from hiroba.i18n import current_language
from hiroba.permissions import can_see_exact_location, can_view_photo, can_view_place
from hiroba.photos.models import PlacePhoto
from hiroba.photos.store import path_for
from hiroba.places import details
from hiroba.places.finder import (
    CHOICES,
    filter_args,
    filter_form,
    list_page,
    map_data,
    map_view,
    page_link_args,
    page_search,
)
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.vocabulary import LABELS, LocationPrecision
from hiroba.usage.availability import coming_days

bp = Blueprint("places", __name__)

LIST_PAGE_SIZE = 20
# What ``photos.services`` names files: 32 hex digits and the extension of the format it wrote.
STORAGE_KEY = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
PUBLIC_PHOTO_MAX_AGE = 3600  # seconds


@bp.get("/")
def index():
    """The map of published places with the filtered list beside it.

    The list is rendered here from the URL's filters, so the page works without JavaScript;
    with it, the map and the list follow the view and the filters without reloading. The
    page holds no places but the list's one page: the map loads them for its view.
    """
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    try:
        search, view = page_search(request.args).search, map_view(request.args)
        listed, filter_error = list_page(search, page, LIST_PAGE_SIZE), None
    except InvalidParameter as error:
        view, listed, filter_error = None, None, error
    config = current_app.config
    fmap = maps.places_map(
        center=geo.latlon(Point(view.lon, view.lat)) if view else config["MAP_CENTER"],
        zoom=view.zoom if view else config["MAP_ZOOM"],
        wards_geojson=outlines_geojson(),
        wards_name=_("Ward boundaries"),
        bounds=None if view else extent(),
    )
    page_html = render_template(
        "places/index.html", listed=listed, map=fmap, filter_error=filter_error,
        form=filter_form(request.args), choices=CHOICES, filters=filter_args(request.args),
        link_args=page_link_args(request.args), districts=db.session.scalars(all_districts()),
        labels={str(key): str(value) for key, value in LABELS.items()},
    )  # fmt: skip
    return page_html, 400 if filter_error else 200


@bp.get("/map/places.json")
def map_places():
    """The places (or counts per cell) of a map view, with the page's filters."""
    return jsonify(map_data(request.args))


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
    )
    photos = [photo for photo in place.photos if can_view_photo(current_user, photo)]
    return render_template(
        "places/detail.html",
        place=place,
        map=fmap,
        hidden=hidden,
        photos=photos,
        photo_is_public=photo_is_public,
        **place_page_values(place, photos),
    )


def place_page_values(place: Place, photos: list[PlacePhoto]) -> dict:
    """Hours with today marked, open now, the coming weeks' availability (published places
    only: nobody can ask to use the others), and what search engines and shared links show.

    Structured data and sharing tags describe published places only, and only their public
    listing (``details.structured_data``), whoever is looking.
    """
    now = details.tokyo_now()
    published = place.status == PlaceStatus.APPROVED
    images = [
        url_for("places.photo_file", storage_key=photo.storage_key, _external=True)
        for photo in photos
        if photo_is_public(photo)
    ]
    return {
        "week": details.week_rows(place.opening_hours, now),
        "open_now": details.open_status(place.opening_hours, now),
        "availability": coming_days(place, now) if published else None,
        "activities": for_place_page(place, now.date(), current_language()),
        "kind_icon": details.kind_icon_url(place.kind),
        "summary": details.summary(place),
        "published": published,
        "structured_data": details.structured_data(place, images) if published else None,
        "share_image": images[0] if images else None,
    }


def photo_is_public(photo: PlacePhoto) -> bool:
    """Shown to everyone: a photo of a published place that is not waiting in a revision."""
    return photo.place.status == PlaceStatus.APPROVED and photo.revision_id is None


@bp.get("/photos/<storage_key>")
def photo_file(storage_key: str):
    """A photo's file, to whoever may see it (others get "not found", never a hint)."""
    if not STORAGE_KEY.match(storage_key):
        raise NotFound()
    photo = db.session.scalar(select(PlacePhoto).where(PlacePhoto.storage_key == storage_key))
    if photo is None or not can_view_photo(current_user, photo):
        raise NotFound()
    path = path_for(photo.storage_key)
    if not path.is_file():
        raise NotFound()
    public = photo_is_public(photo)
    response = send_file(path, mimetype=photo.content_type, conditional=True, etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = (
        f"public, max-age={PUBLIC_PHOTO_MAX_AGE}" if public else "private, no-cache"
    )
    return response
