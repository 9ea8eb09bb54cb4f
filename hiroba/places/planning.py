"""A choice PostgreSQL's planner cannot make well for the searches, made with what it knows.

A word's places are found through the index of its grams, and the planner estimates how many
places hold a word from independent statistics of each gram: far too few for common words (at
a million places, 14,000 hold 「久地駅前」 where it expects one), so it reads every one of them.
It estimates how many places lie in a box well (PostGIS keeps spatial statistics). So where a
box holds no more places than a walk may read, the words are tested on the places of the box,
nearest its centre first, and the walk stops once the page is full: a common word costs a few
hundred rows, a rare one at most the box. Elsewhere the grams index finds the words' places.
"""

from __future__ import annotations

from dataclasses import replace

import psycopg

from hiroba.api.statements import run_alone
from hiroba.places.search import PlaceSearch

BOX_WALK_LIMIT = 50_000  # places of a box the words may be tested on, at most
IN_BOX = """
SELECT _postgis_selectivity('places'::regclass, 'public_location',
                            ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)) * reltuples
FROM pg_class WHERE oid = 'places'::regclass
"""


def with_text_strategy(search: PlaceSearch) -> PlaceSearch:
    """``search``, its words tested on the places of its box where that reads fewer places."""
    walks_box = search.centre_first and search.near is None and not search.sortby
    if not (search.q and search.bbox and walks_box):
        return search
    in_box = _estimated_in_box(search.bbox)
    if in_box is None or in_box > BOX_WALK_LIMIT:
        return search
    return replace(search, words_by_index=False)


def _estimated_in_box(bbox: tuple[float, float, float, float]) -> float | None:
    """The planner's estimate of the places in ``bbox`` (None before any statistics)."""
    try:
        found = run_alone(IN_BOX, dict(zip(("x0", "y0", "x1", "y1"), bbox, strict=True)))
    except psycopg.Error:  # "stats ... do not exist": a table never analysed
        return None
    return found[0]
