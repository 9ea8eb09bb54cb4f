"""Server-side maps with folium: base layers, ward outlines and controls. The only package
that imports folium (the printable ward map is in ``hiroba.maps.printing``).

folium renders a page's map as three parts — a ``<div>``, a script, and asset links — and we
take the first two only. Assets are our own files under ``static/vendor`` (folium's defaults
point at CDNs, which a closed municipal network cannot reach), and the script is emitted with
the request's CSP nonce. Places are never baked into the page: the browser loads them from the
API for the visible area, so the page weighs the same for ten places or a million. Nothing
typed by users goes through folium: popups and tooltips with user text are built in the
browser with ``textContent``, because folium inlines them into JavaScript template literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
import shapely
from branca.element import MacroElement
from flask import current_app, url_for
from flask_babel import gettext as _
from jinja2 import Template
from markupsafe import Markup
from shapely.geometry import Point

from hiroba import geo

# Leaflet and plugins, as copied from the npm registry by the Makefile.
LEAFLET = {
    "css": ["vendor/leaflet/leaflet.css"],
    "js": ["vendor/leaflet/leaflet.js"],
}
MARKERCLUSTER = {
    "css": [
        "vendor/leaflet.markercluster/MarkerCluster.css",
        "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    ],
    "js": ["vendor/leaflet.markercluster/leaflet.markercluster.js"],
}
LEAFLET_DRAW = {
    "css": ["vendor/leaflet-draw/leaflet.draw.css"],
    "js": ["vendor/leaflet-draw/leaflet.draw.js"],
}

WARD_STYLE = {"color": "#3b5b92", "weight": 2, "opacity": 0.7, "fillOpacity": 0.03}
PLACE_AREA_STYLE = {"color": "#c2410c", "weight": 2, "fillOpacity": 0.15}
APPROXIMATE_RADIUS_M = 300  # drawn around an approximate public point: "somewhere around here"


def layer_names() -> dict[str, str]:
    """Names of the base layers in the layer switcher, in the visitor's language."""
    return {"osm": _("OpenStreetMap"), "gsi": _("GSI standard map")}


class ControlWords(MacroElement):
    """Leaflet's own controls speak English ("Zoom in", "Layers"): give them the page's words.

    Added last, so its script runs once every control is on the map.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (container, words) {
          for (const [selector, text] of Object.entries(words)) {
            for (const control of container.querySelectorAll(selector)) {
              control.title = text;
              control.setAttribute("aria-label", text);
            }
          }
        })({{ this._parent.get_name() }}.getContainer(), {{ this.words|tojson }});
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ControlWords"
        self.words = {
            ".leaflet-control-zoom-in": _("Zoom in"),
            ".leaflet-control-zoom-out": _("Zoom out"),
            ".leaflet-control-layers-toggle": _("Map layers"),
        }


@dataclass
class RenderedMap:
    """What a template needs to show a map: the container, its script and asset paths."""

    name: str
    html: Markup
    script: Markup
    css: list[str] = field(default_factory=list)
    js: list[str] = field(default_factory=list)


def tile_layers() -> list[dict[str, Any]]:
    return current_app.config["MAP_TILE_LAYERS"]


def _base(location: tuple[float, float], zoom: int) -> folium.Map:
    """A map with the configured base layers, named in the visitor's language."""
    names = layer_names()
    fmap = folium.Map(
        location=location, zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False
    )
    layers = tile_layers()
    for index, layer in enumerate(layers):
        folium.TileLayer(
            tiles=layer["url"],
            attr=layer["attribution"],
            name=names.get(layer["key"], layer["key"]),
            max_zoom=layer.get("max_zoom", 18),
            overlay=False,
            control=len(layers) > 1,
            show=index == 0,
        ).add_to(fmap)
    return fmap


def render(fmap: folium.Map, extra_assets: list[dict[str, list[str]]]) -> RenderedMap:
    ControlWords().add_to(fmap)
    root = fmap.get_root()
    root.render()  # fills root.html and root.script from every element
    assets = [LEAFLET, *extra_assets]
    return RenderedMap(
        name=fmap.get_name(),
        html=Markup(root.html.render()),
        script=Markup(root.script.render()),
        css=[url_for("static", filename=p) for a in assets for p in a["css"]],
        js=[url_for("static", filename=p) for a in assets for p in a["js"]],
    )


def ward_outlines(
    fmap: folium.Map,
    wards_geojson: dict[str, Any] | None,
    name: str,
    *,
    interactive: bool = True,
) -> None:
    if wards_geojson and wards_geojson.get("features"):
        folium.GeoJson(
            wards_geojson,
            name=name,
            style_function=lambda _feature: WARD_STYLE,
            control=True,
            **({} if interactive else {"interactive": False}),
        ).add_to(fmap)


def places_map(
    *,
    center: tuple[float, float],
    zoom: int,
    wards_geojson: dict[str, Any] | None,
    wards_name: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> RenderedMap:
    """The resident's map: base layers and ward outlines; places are added by the browser.

    ``bounds`` ((south, west), (north, east)) frames the map on the registry's wards.
    """
    fmap = _framed_ward_map(center, zoom, wards_geojson, wards_name, bounds)
    return render(fmap, [MARKERCLUSTER])


def _framed_ward_map(
    center: tuple[float, float],
    zoom: int,
    wards_geojson: dict[str, Any] | None,
    wards_name: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None,
) -> folium.Map:
    fmap = _base(center, zoom)
    if bounds:
        framing = folium.map.FitBounds([list(bounds[0]), list(bounds[1])])
        # No animation: the browser loads places once, for the final view, not twice.
        framing.options["animate"] = False
        framing.add_to(fmap)
    ward_outlines(fmap, wards_geojson, wards_name)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def queue_map(
    *,
    center: tuple[float, float],
    zoom: int,
    wards_geojson: dict[str, Any] | None,
    wards_name: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> RenderedMap:
    """The staff queue's map: the reviewer's wards, framed; pending items come from the browser.

    No clustering: a ward's queue is short, and each waiting item should stay visible.
    """
    fmap = _framed_ward_map(center, zoom, wards_geojson, wards_name, bounds)
    return render(fmap, [])


def place_map(
    *,
    point: Point,
    footprint,
    approximate: bool,
) -> RenderedMap:
    """A small map of one place: its public point, or outline, or approximate area."""
    fmap = _base(geo.latlon(point), 16 if approximate else 17)
    if approximate:
        folium.Circle(
            location=geo.latlon(point), radius=APPROXIMATE_RADIUS_M, **PLACE_AREA_STYLE
        ).add_to(fmap)
    elif footprint is not None:
        folium.GeoJson(
            geo.to_geojson(footprint), style_function=lambda _f: PLACE_AREA_STYLE
        ).add_to(fmap)
        folium.Marker(location=geo.latlon(point), alt=_("Location of the place")).add_to(fmap)
    else:
        folium.Marker(location=geo.latlon(point), alt=_("Location of the place")).add_to(fmap)
    if len(tile_layers()) > 1:
        folium.LayerControl(collapsed=True).add_to(fmap)
    return render(fmap, [])


def place_editor_map(
    *,
    center: tuple[float, float],
    zoom: int,
    wards_geojson: dict[str, Any] | None,
    wards_name: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    point: Point | None = None,
) -> RenderedMap:
    """The owner's map on the place form: base layers and ward outlines, framed on the place's
    point if it has one, else on the wards.

    The marker and the footprint are not drawn here: ``static/js/place-form.js`` reads them
    from the form's inputs and writes them back (Leaflet.draw, without folium's Draw plugin,
    whose export button and pop-ups the form does not want). Ward outlines let clicks through,
    so a click anywhere sets the point.
    """
    start = geo.latlon(point) if point is not None else center
    fmap = _base(start, 17 if point is not None else zoom)
    if bounds and point is None:
        framing = folium.map.FitBounds([list(bounds[0]), list(bounds[1])])
        framing.options["animate"] = False
        framing.add_to(fmap)
    ward_outlines(fmap, wards_geojson, wards_name, interactive=False)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return render(fmap, [LEAFLET_DRAW])


PROPOSED_STYLE = {"color": "#1d4ed8", "weight": 3, "dashArray": "6 4", "fillOpacity": 0.1}
PUBLIC_AREA_STYLE = {"color": "#52606d", "weight": 1, "dashArray": "2 4", "fillOpacity": 0.05}


def review_map(
    *,
    point: Point,
    footprint,
    public_point: Point | None = None,
    proposed_point: Point | None = None,
    proposed_footprint=None,
) -> RenderedMap:
    """The reviewer's map of one place: the exact point and outline, what the public sees
    of an approximate place (``public_point``), and a revision's proposed point and outline."""
    fmap = _base(geo.latlon(point), 17)
    shown = [point]
    if public_point is not None:
        folium.Circle(
            location=geo.latlon(public_point), radius=APPROXIMATE_RADIUS_M, **PUBLIC_AREA_STYLE
        ).add_to(fmap)
        shown.append(public_point)
    if footprint is not None:
        folium.GeoJson(
            geo.to_geojson(footprint), style_function=lambda _f: PLACE_AREA_STYLE
        ).add_to(fmap)
        shown.append(footprint)
    folium.Marker(location=geo.latlon(point), alt=_("Location of the place")).add_to(fmap)
    if proposed_footprint is not None:
        folium.GeoJson(
            geo.to_geojson(proposed_footprint), style_function=lambda _f: PROPOSED_STYLE
        ).add_to(fmap)
        shown.append(proposed_footprint)
    if proposed_point is not None:
        folium.CircleMarker(
            location=geo.latlon(proposed_point), radius=9, **{**PROPOSED_STYLE, "fillOpacity": 0.6}
        ).add_to(fmap)
        shown.append(proposed_point)
    if len(shown) > 1:
        west, south, east, north = shapely.union_all(shown).bounds
        framing = folium.map.FitBounds([[south, west], [north, east]], max_zoom=17)
        framing.options["animate"] = False
        framing.add_to(fmap)
    if len(tile_layers()) > 1:
        folium.LayerControl(collapsed=True).add_to(fmap)
    return render(fmap, [])


def ward_map(
    *,
    center: tuple[float, float],
    zoom: int,
    wards_geojson: dict[str, Any] | None,
    wards_name: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> RenderedMap:
    """A ward page's map: base layers and the ward's outline, framed on it; the ward's places
    are added by the browser (``static/js/ward-map.js``), clustered where they crowd."""
    fmap = _framed_ward_map(center, zoom, wards_geojson, wards_name, bounds)
    return render(fmap, [MARKERCLUSTER])


GAP_STYLE = {
    "color": "#9f1239",
    "weight": 1,
    "fillColor": "#e11d48",
    "fillOpacity": 0.35,
    "className": "coverage-gap",
}


def coverage_map(
    *,
    center: tuple[float, float],
    zoom: int,
    ward_geojson: dict[str, Any] | None,
    gaps_geojson: dict[str, Any],
    wards_name: str,
    gaps_name: str,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None,
) -> RenderedMap:
    """A ward's coverage: its outline and the gaps, the parts too far from any matching place.

    The gaps are our own geometry with numbers only in their properties, and nothing shows on
    hover or click: the list beside the map names the nearest places, as text.
    """
    fmap = _base(center, zoom)
    if bounds:
        framing = folium.map.FitBounds([list(bounds[0]), list(bounds[1])])
        framing.options["animate"] = False
        framing.add_to(fmap)
    ward_outlines(fmap, ward_geojson, wards_name, interactive=False)
    if gaps_geojson.get("features"):
        folium.GeoJson(
            gaps_geojson,
            name=gaps_name,
            style_function=lambda _feature: GAP_STYLE,
            interactive=False,
        ).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return render(fmap, [])
