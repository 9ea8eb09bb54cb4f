"""Index the public searches: text of any length, nearest first, orders without a full sort

Every index here covers published places only (``status = 'approved'``), the rows the search
API and the map read, so no scan has to skip the others.

- ``hiroba_grams``: the characters and character pairs of a text. A GIN index over the grams of
  ``search_text`` finds a term of any length — one character, two, or more — with ``@>`` on
  the term's grams (``hiroba_query_grams``); the ``LIKE`` of the search then rechecks each row.
  Trigrams cannot serve one- and two-character terms, and pg_bigm is not in contrib, so this
  replaces the trigram index;
- GiST on the public point and on it as geography: boxes, and nearest first (planar from a
  box's centre, on the sphere from ``near``) walked in index order;
- B-trees in the orders a page can ask for (reading, capacity either way), so that a page of an
  unfiltered or barely filtered search is an index walk, not a sort of every place.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PUBLISHED = sa.text("status = 'approved'")

# The grams of a row (every character and every pair of neighbours) and of a search term (its
# pairs; a single character stands for itself). A row containing the term holds every gram of
# the term, so ``grams(row) @> query_grams(term)`` never loses a match; LIKE drops the extra.
# string_to_array(value, NULL) splits into characters, and unnest(a, a[2:]) pairs neighbours
# in one pass; GIN drops duplicate keys itself.
FUNCTIONS = """
CREATE FUNCTION hiroba_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT chars || ARRAY(SELECT a || b FROM unnest(chars, chars[2:]) AS pairs(a, b)
                          WHERE b IS NOT NULL)
    FROM string_to_array(value, NULL) AS chars
$$;

CREATE FUNCTION hiroba_query_grams(term text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN cardinality(chars) = 1 THEN chars
                ELSE ARRAY(SELECT a || b FROM unnest(chars, chars[2:]) AS pairs(a, b)
                           WHERE b IS NOT NULL) END
    FROM string_to_array(term, NULL) AS chars
$$;
"""


def upgrade():
    op.execute(FUNCTIONS)
    op.drop_index("ix_places_search_text_trgm", table_name="places")
    op.drop_index("ix_places_public_geography", table_name="places")
    op.create_index(
        "ix_places_search_grams", "places", [sa.text("hiroba_grams(search_text)")],
        postgresql_using="gin", postgresql_where=PUBLISHED,
    )  # fmt: skip
    op.create_index(
        "ix_places_published_location", "places", ["public_location"],
        postgresql_using="gist", postgresql_where=PUBLISHED,
    )  # fmt: skip
    op.create_index(
        "ix_places_published_geography", "places", [sa.text("(public_location::geography)")],
        postgresql_using="gist", postgresql_where=PUBLISHED,
    )  # fmt: skip
    op.create_index(
        "ix_places_published_reading", "places",
        [sa.text("(COALESCE(name_kana, name))"), "name", "id"], postgresql_where=PUBLISHED,
    )  # fmt: skip
    op.create_index(
        "ix_places_published_capacity", "places", ["capacity", "id"], postgresql_where=PUBLISHED
    )
    op.create_index(
        "ix_places_published_capacity_desc", "places",
        [sa.text("capacity DESC NULLS LAST"), "id"], postgresql_where=PUBLISHED,
    )  # fmt: skip


def downgrade():
    for name in (
        "ix_places_published_capacity_desc",
        "ix_places_published_capacity",
        "ix_places_published_reading",
        "ix_places_published_geography",
        "ix_places_published_location",
        "ix_places_search_grams",
    ):
        op.drop_index(name, table_name="places")
    op.create_index(
        "ix_places_public_geography", "places", [sa.text("(public_location::geography)")],
        postgresql_using="gist",
    )  # fmt: skip
    op.create_index(
        "ix_places_search_text_trgm", "places", ["search_text"],
        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
    )  # fmt: skip
    op.execute("DROP FUNCTION hiroba_query_grams(text); DROP FUNCTION hiroba_grams(text)")
