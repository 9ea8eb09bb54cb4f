"""Keep each place's public GeoJSON Feature ready: place_features, maintained by triggers

A page of the search API (and of the map) used to build every Feature while answering: thirty
properties, the district's names and one aggregate of opening hours per place — two thirds of
the page's database time. Features change far less often than they are read, so PostgreSQL
now keeps each place's Feature as JSON text in ``place_features`` and a page only joins them.

- ``hiroba_place_feature(places)``: the one definition of the public Feature. Approximate
  places show their public point only — no street address and no outline;
- statement triggers keep ``place_features`` in step with every write to ``places``,
  ``opening_hours`` and the districts' names and outlines, set-based (a bulk insert of a
  million places is one INSERT … SELECT, not a million trigger calls);
- ``feature`` is stored uncompressed (most are 1–2 kB): a page reads it without inflating;
- ``export_point``: the point the open-data CSV gives, kept beside the Feature. For exact
  places their point; for approximate ones the centre of their ½ mesh cell, or a point of the
  cell inside their ward where the centre lies outside it (a cell across a ward border or the
  coast) — deterministic and cell-level, so an exported file reveals no more than the map.
  Finding it takes an intersection with the ward's outline: milliseconds per place, which made
  an export of 10,000 rows take seconds when computed while exporting;
- ``periods``: the opening hours as the export reads them (``weekday opens closes`` in
  minutes, comma-separated, in order), so that an export reads one row per place.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The property names and their order are the API's: see hiroba/api/openapi.py.
FEATURE = """
CREATE FUNCTION hiroba_place_feature(p places) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object(
    'type', 'Feature',
    'id', p.id,
    'geometry', ST_AsGeoJSON(p.public_location, 6)::json,
    'properties', json_build_object(
        'name', p.name,
        'name_kana', p.name_kana,
        'name_en', p.name_en,
        'kind', p.kind,
        'sector', p.sector,
        'description', p.description,
        'address', CASE WHEN p.location_precision = 'exact' THEN p.address END,
        'district', p.district_code,
        'district_name', d.name_ja,
        'district_name_en', d.name_en,
        'location_precision', p.location_precision,
        'footprint', CASE WHEN p.location_precision = 'exact'
                          THEN ST_AsGeoJSON(p.footprint, 6)::json END,
        'capacity', p.capacity,
        'floor_area_m2', p.floor_area_m2,
        'amenities', p.amenities,
        'accessibility', p.accessibility,
        'conditions', p.conditions,
        'fee', p.fee,
        'fee_details', p.fee_details,
        'who_may_use', p.who_may_use,
        'opening_hours', (
            SELECT coalesce(json_agg(json_build_object(
                       'weekday', h.weekday,
                       'opens', to_char(make_interval(mins => h.opens_minute), 'HH24:MI'),
                       'closes', to_char(make_interval(mins => h.closes_minute), 'HH24:MI'))
                   ORDER BY h.weekday, h.opens_minute), '[]'::json)
            FROM opening_hours h WHERE h.place_id = p.id),
        'hours_note', p.hours_note,
        'contact_phone', p.contact_phone,
        'contact_email', p.contact_email,
        'website_url', p.website_url,
        'last_confirmed_at', p.last_confirmed_at,
        'updated_at', p.updated_at))::text
FROM districts d
WHERE d.code = p.district_code
$$;
"""

EXPORT_POINT = """
CREATE FUNCTION hiroba_export_point(p places) RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN p.location_precision = 'exact' THEN p.location
    WHEN hiroba_district_at(ST_Centroid(cell)) = p.district_code THEN ST_Centroid(cell)
    ELSE ST_PointOnSurface(ST_CollectionExtract(ST_Intersection(cell, d.boundary), 3))
END
FROM hiroba_half_mesh_cell(p.public_mesh_code) AS cell, districts d
WHERE d.code = p.district_code
$$;
"""

PERIODS = """
CREATE FUNCTION hiroba_opening_periods(place bigint) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT string_agg(concat_ws(' ', h.weekday, h.opens_minute, h.closes_minute), ','
                  ORDER BY h.weekday, h.opens_minute)
FROM opening_hours h WHERE h.place_id = place
$$;
"""

# Each trigger function refreshes the Features of the places a statement touched. Transition
# tables allow one event per trigger, hence one trigger per event. ``IN (SELECT unnest(ids))``
# rather than ``= ANY(ids)``: a semi-join stays linear when a bulk load passes a million ids.
TRIGGERS = """
CREATE FUNCTION place_features_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO place_features (place_id, feature, export_point, periods)
    SELECT p.id, hiroba_place_feature(p), hiroba_export_point(p), hiroba_opening_periods(p.id)
    FROM places p WHERE p.id IN (SELECT unnest(ids))
    ON CONFLICT (place_id) DO UPDATE
        SET feature = EXCLUDED.feature, export_point = EXCLUDED.export_point,
            periods = EXCLUDED.periods
$$;

CREATE FUNCTION place_features_after_places() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO place_features (place_id, feature, export_point, periods)
    SELECT p.id, hiroba_place_feature(p), hiroba_export_point(p), hiroba_opening_periods(p.id)
    FROM places p JOIN written_places w ON w.id = p.id
    ON CONFLICT (place_id) DO UPDATE
        SET feature = EXCLUDED.feature, export_point = EXCLUDED.export_point,
            periods = EXCLUDED.periods;
    RETURN NULL;
END $$;

CREATE FUNCTION place_features_after_hours() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM place_features_refresh(ARRAY(SELECT DISTINCT place_id FROM new_hours));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM place_features_refresh(ARRAY(SELECT place_id FROM new_hours
                                             UNION SELECT place_id FROM old_hours));
    ELSE
        PERFORM place_features_refresh(ARRAY(SELECT DISTINCT place_id FROM old_hours));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION place_features_after_district_names() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM place_features_refresh(ARRAY(SELECT id FROM places
                                         WHERE district_code = NEW.code));
    RETURN NULL;
END $$;

CREATE TRIGGER place_features_after_insert AFTER INSERT ON places
    REFERENCING NEW TABLE AS written_places
    FOR EACH STATEMENT EXECUTE FUNCTION place_features_after_places();
CREATE TRIGGER place_features_after_update AFTER UPDATE ON places
    REFERENCING NEW TABLE AS written_places
    FOR EACH STATEMENT EXECUTE FUNCTION place_features_after_places();
CREATE TRIGGER place_features_after_insert AFTER INSERT ON opening_hours
    REFERENCING NEW TABLE AS new_hours
    FOR EACH STATEMENT EXECUTE FUNCTION place_features_after_hours();
CREATE TRIGGER place_features_after_update AFTER UPDATE ON opening_hours
    REFERENCING NEW TABLE AS new_hours OLD TABLE AS old_hours
    FOR EACH STATEMENT EXECUTE FUNCTION place_features_after_hours();
CREATE TRIGGER place_features_after_delete AFTER DELETE ON opening_hours
    REFERENCING OLD TABLE AS old_hours
    FOR EACH STATEMENT EXECUTE FUNCTION place_features_after_hours();
CREATE TRIGGER place_features_after_rename AFTER UPDATE OF name_ja, name_en, boundary
    ON districts
    FOR EACH ROW WHEN (OLD.name_ja IS DISTINCT FROM NEW.name_ja
                       OR OLD.name_en IS DISTINCT FROM NEW.name_en
                       OR OLD.boundary IS DISTINCT FROM NEW.boundary)
    EXECUTE FUNCTION place_features_after_district_names();
"""

DROP = """
DROP TRIGGER place_features_after_rename ON districts;
DROP TRIGGER place_features_after_delete ON opening_hours;
DROP TRIGGER place_features_after_update ON opening_hours;
DROP TRIGGER place_features_after_insert ON opening_hours;
DROP TRIGGER place_features_after_update ON places;
DROP TRIGGER place_features_after_insert ON places;
DROP FUNCTION place_features_after_district_names();
DROP FUNCTION place_features_after_hours();
DROP FUNCTION place_features_after_places();
DROP FUNCTION place_features_refresh(bigint[]);
DROP TABLE place_features;
DROP FUNCTION hiroba_export_point(places);
DROP FUNCTION hiroba_opening_periods(bigint);
DROP FUNCTION hiroba_place_feature(places);
"""


def upgrade():
    op.execute(FEATURE)
    op.execute(EXPORT_POINT)
    op.execute(PERIODS)
    op.execute("""
        CREATE TABLE place_features (
            place_id bigint NOT NULL,
            feature text NOT NULL,
            export_point geometry(Point, 4326) NOT NULL,
            periods text,
            CONSTRAINT pk_place_features PRIMARY KEY (place_id),
            CONSTRAINT fk_place_features_place_id_places FOREIGN KEY (place_id)
                REFERENCES places (id) ON DELETE CASCADE
        );
        ALTER TABLE place_features ALTER COLUMN feature SET STORAGE EXTERNAL;
    """)
    op.execute(TRIGGERS)
    op.execute("""
        INSERT INTO place_features (place_id, feature, export_point, periods)
        SELECT p.id, hiroba_place_feature(p), hiroba_export_point(p), hiroba_opening_periods(p.id)
        FROM places p
    """)


def downgrade():
    op.execute(DROP)
