"""The printable ward map: still, numbered, in the first base layer (folium, like every map)."""

from __future__ import annotations

from typing import Any

import folium
from flask import current_app
from markupsafe import Markup
from shapely.geometry import Point

from hiroba import geo
from hiroba.maps import RenderedMap, render, tile_layers, ward_outlines

# Nothing moves on paper: a print map has no controls and ignores the mouse and keyboard.
STILL = {
    "dragging": False,
    "scroll_wheel_zoom": False,
    "double_click_zoom": False,
    "box_zoom": False,
    "keyboard": False,
    "touch_zoom": False,
    "zoom_snap": 0.25,
}
PRINT_MARKER_PX = 22


def print_map(
    *,
    numbered_points: list[tuple[int, Point]],
    wards_geojson: dict[str, Any] | None,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None,
) -> RenderedMap:
    """A still map for printing: the first base layer, the ward outline and a numbered marker
    at each (public) point, numbered as the printed list is.

    Markers carry their number only (digits, from our own counter), so no user text is inlined
    into the script; names are in the list beside the map.
    """
    layer = tile_layers()[0]
    start = (
        geo.latlon(numbered_points[0][1]) if numbered_points else current_app.config["MAP_CENTER"]
    )
    fmap = folium.Map(location=start, zoom_start=13, tiles=None, zoom_control=False,
                      control_scale=True, **STILL)  # fmt: skip
    folium.TileLayer(
        tiles=layer["url"], attr=layer["attribution"], max_zoom=layer.get("max_zoom", 18)
    ).add_to(fmap)
    if bounds:
        framing = folium.map.FitBounds([list(bounds[0]), list(bounds[1])], padding=(8, 8))
        framing.options["animate"] = False
        framing.add_to(fmap)
    ward_outlines(fmap, wards_geojson, "", interactive=False)
    half = PRINT_MARKER_PX // 2
    for number, point in numbered_points:
        icon = folium.DivIcon(
            html=f'<span class="print-marker-number">{int(number)}</span>',
            icon_size=(PRINT_MARKER_PX, PRINT_MARKER_PX),
            icon_anchor=(half, half),
            class_name="print-marker",
        )
        folium.Marker(location=geo.latlon(point), icon=icon, keyboard=False).add_to(fmap)
    return render(fmap, [])


def print_credit() -> str:
    """The print map's base layer credit as plain text (links do nothing on paper)."""
    return Markup(tile_layers()[0]["attribution"]).striptags()
