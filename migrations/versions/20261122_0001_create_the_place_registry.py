"""Create the place registry

Extensions, districts, users and staff wards, places with their opening hours, and the
append-only review history. The database derives a place's district, public point and search
text itself (``places_derive``), so no code path can skip them.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Katakana U+30A1…U+30F6 and their hiragana twins, 0x60 lower: search folds one onto the other.
KATAKANA = "".join(chr(c) for c in range(0x30A1, 0x30F7))
HIRAGANA = "".join(chr(c - 0x60) for c in range(0x30A1, 0x30F7))


def enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


PLACE_STATUS = ("draft", "pending", "approved", "changes_requested", "rejected", "archived")
KINDS = (
    "community_hall", "public_facility", "school", "park", "vacant_house", "vacant_shop",
    "cafe", "company_space", "shrine_temple", "open_space", "farm_green", "other",
)  # fmt: skip
AMENITIES = (
    "wifi", "kitchen", "projector", "tables_chairs", "whiteboard", "sound_system", "toilet",
    "parking", "bicycle_parking", "outdoor",
)  # fmt: skip
ACCESSIBILITY = (
    "step_free_entrance", "wheelchair_toilet", "elevator", "nursing_room", "diaper_changing",
    "assistance_dogs", "hearing_loop", "written_communication", "accessible_parking", "braille",
)  # fmt: skip
CONDITIONS = (
    "food_ok", "alcohol_ok", "fire_ok", "music_ok", "commercial_ok", "children_welcome",
    "pets_ok", "overnight_ok",
)  # fmt: skip


def point(**kw):
    return Geometry(geometry_type="POINT", srid=4326, spatial_index=False, **kw)


def vocabulary_check(column, keys):
    listed = ", ".join(f"'{k}'" for k in keys)
    return sa.CheckConstraint(
        f"{column} <@ ARRAY[{listed}]::varchar[]", name=op.f(f"ck_places_{column}_vocabulary")
    )


def vocabulary_array(name):
    return sa.Column(
        name, sa.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False
    )


FUNCTIONS = f"""
-- Text as search sees it: NFKC (full-width ASCII and half-width kana folded), katakana folded
-- to hiragana, lower case. Queries go through the same function.
CREATE FUNCTION hiroba_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(translate(normalize(value, NFKC), '{KATAKANA}', '{HIRAGANA}')) $$;

-- JIS X 0410 ½ 地域メッシュ code (9 digits) of a point: 1st mesh 40' x 1 deg, 2nd 5' x 7.5',
-- 3rd 30" x 45", then quarters numbered 1 SW, 2 SE, 3 NW, 4 NE (about 460 m x 570 m here).
CREATE FUNCTION hiroba_half_mesh_code(pt geometry) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    lat_min numeric := ST_Y(pt)::numeric * 60;
    lon numeric := ST_X(pt)::numeric;
    lon_min numeric := (lon - floor(lon)) * 60;
    p int := floor(lat_min / 40);
    u int := floor(lon) - 100;
    q int := floor((lat_min - p * 40) / 5);
    v int := floor(lon_min / 7.5);
    lat_sec numeric := (lat_min - p * 40 - q * 5) * 60;
    lon_sec numeric := (lon_min - v * 7.5) * 60;
    r int := floor(lat_sec / 30);
    w int := floor(lon_sec / 45);
    s int := floor((lat_sec - r * 30) / 15);
    t int := floor((lon_sec - w * 45) / 22.5);
BEGIN
    RETURN lpad(p::text, 2, '0') || lpad(u::text, 2, '0') || q || v || r || w || (1 + 2 * s + t);
END $$;

-- The rectangle of a ½ mesh cell, from its code.
CREATE FUNCTION hiroba_half_mesh_cell(code text) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_MakeEnvelope(west, south, west + 22.5 / 3600, south + 15.0 / 3600, 4326)
    FROM (SELECT
        substr(code, 1, 2)::int / 1.5 + substr(code, 5, 1)::int * 5 / 60.0
            + substr(code, 7, 1)::int * 30 / 3600.0
            + ((substr(code, 9, 1)::int - 1) / 2) * 15 / 3600.0 AS south,
        substr(code, 3, 2)::int + 100 + substr(code, 6, 1)::int * 7.5 / 60
            + substr(code, 8, 1)::int * 45 / 3600.0
            + ((substr(code, 9, 1)::int - 1) % 2) * 22.5 / 3600.0 AS west
    ) AS corner
$$;

-- The district whose boundary covers a point (the lowest code on a shared border), or NULL.
CREATE FUNCTION hiroba_district_at(pt geometry) RETURNS varchar
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT code FROM districts WHERE ST_Covers(boundary, pt) ORDER BY code LIMIT 1
$$;

-- A random point in the place's ½ mesh cell, kept inside its district so that the public
-- point never lands in another ward.
CREATE FUNCTION hiroba_public_point(true_point geometry, district varchar) RETURNS geometry
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cell geometry := hiroba_half_mesh_cell(hiroba_half_mesh_code(true_point));
    area geometry;
BEGIN
    SELECT ST_CollectionExtract(ST_Intersection(cell, boundary), 3) INTO area
    FROM districts WHERE code = district;
    IF area IS NULL OR ST_IsEmpty(area) OR ST_Area(area) = 0 THEN
        area := cell;
    END IF;
    RETURN ST_SetSRID(ST_GeometryN(ST_GeneratePoints(area, 1), 1), 4326);
END $$;

CREATE FUNCTION places_derive() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    mesh text;
BEGIN
    NEW.district_code := hiroba_district_at(NEW.location);
    IF NEW.district_code IS NULL THEN
        -- No coordinates in the message: it may end up in logs.
        RAISE EXCEPTION 'place location is outside every district' USING ERRCODE = 'HB001';
    END IF;
    IF NEW.location_precision = 'exact' THEN
        NEW.public_location := NEW.location;
        NEW.public_mesh_code := NULL;
    ELSE
        mesh := hiroba_half_mesh_code(NEW.location);
        IF TG_OP = 'INSERT' OR OLD.public_mesh_code IS DISTINCT FROM mesh
                OR OLD.district_code IS DISTINCT FROM NEW.district_code THEN
            NEW.public_location := hiroba_public_point(NEW.location, NEW.district_code);
            NEW.public_mesh_code := mesh;
        ELSE
            -- Same cell: keep the point drawn before, whatever the writer sent.
            NEW.public_location := OLD.public_location;
            NEW.public_mesh_code := OLD.public_mesh_code;
        END IF;
    END IF;
    NEW.search_text := hiroba_fold(concat_ws(' ', NEW.name, NEW.name_kana, NEW.name_en,
        NEW.description, CASE WHEN NEW.location_precision = 'exact' THEN NEW.address END));
    RETURN NEW;
END $$;

CREATE FUNCTION review_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'review_events is append-only' USING ERRCODE = 'HB002';
END $$;
"""

TRIGGERS = """
CREATE TRIGGER places_derive BEFORE INSERT OR UPDATE ON places
    FOR EACH ROW EXECUTE FUNCTION places_derive();
CREATE TRIGGER review_events_append_only BEFORE UPDATE OR DELETE ON review_events
    FOR EACH ROW EXECUTE FUNCTION review_events_append_only();
CREATE TRIGGER review_events_no_truncate BEFORE TRUNCATE ON review_events
    FOR EACH STATEMENT EXECUTE FUNCTION review_events_append_only();
"""


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.create_geospatial_table(
        "districts",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name_ja", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=True),
        sa.Column("prefecture_ja", sa.String(length=20), nullable=True),
        sa.Column("city_ja", sa.String(length=40), nullable=True),
        sa.Column(
            "boundary",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
        ),
        sa.CheckConstraint("code ~ '^[0-9]{6}$'", name=op.f("ck_districts_code_six_digits")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_districts")),
    )
    op.create_geospatial_index(
        "idx_districts_boundary", "districts", ["boundary"], postgresql_using="gist"
    )

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", enum("resident", "staff", "admin", name="role"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(
        "uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "staff_districts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["districts.code"],
            name=op.f("fk_staff_districts_district_code_districts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_staff_districts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "district_code", name=op.f("pk_staff_districts")),
    )

    # The functions refer to districts; the trigger below to places.
    op.execute(FUNCTIONS)

    op.create_geospatial_table(
        "places",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("status", enum(*PLACE_STATUS, name="place_status"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_kana", sa.String(length=120), nullable=True),
        sa.Column("name_en", sa.String(length=120), nullable=True),
        sa.Column("kind", enum(*KINDS, name="place_kind"), nullable=False),
        sa.Column("sector", enum("public", "private", name="sector"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("location", point(nullable=False), nullable=False),
        sa.Column(
            "location_precision",
            enum("exact", "approximate", name="location_precision"),
            nullable=False,
        ),
        sa.Column(
            "footprint",
            Geometry(geometry_type="POLYGON", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("public_location", point(nullable=False), nullable=False),
        sa.Column("public_mesh_code", sa.String(length=9), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("floor_area_m2", sa.Numeric(precision=8, scale=1), nullable=True),
        vocabulary_array("amenities"),
        vocabulary_array("accessibility"),
        vocabulary_array("conditions"),
        sa.Column("fee", enum("free", "paid", name="fee"), nullable=False),
        sa.Column("fee_details", sa.String(length=500), nullable=True),
        sa.Column(
            "who_may_use",
            enum("anyone", "ward_residents", "registered_groups", "members_only", name="audience"),
            nullable=False,
        ),
        sa.Column("hours_note", sa.String(length=500), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("website_url", sa.String(length=500), nullable=True),
        sa.Column("last_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        vocabulary_check("amenities", AMENITIES),
        vocabulary_check("accessibility", ACCESSIBILITY),
        vocabulary_check("conditions", CONDITIONS),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_places_capacity_positive")),
        sa.CheckConstraint("floor_area_m2 > 0", name=op.f("ck_places_floor_area_positive")),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_places_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_places_district_code_districts")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_places_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    for column in ("location", "public_location", "footprint"):
        op.create_geospatial_index(
            f"idx_places_{column}", "places", [column], postgresql_using="gist"
        )
    for column in ("amenities", "accessibility", "conditions"):
        op.create_index(f"ix_places_{column}", "places", [column], postgresql_using="gin")
    for column in ("district_code", "kind", "owner_id", "status"):
        op.create_index(op.f(f"ix_places_{column}"), "places", [column])
    op.create_index(
        "ix_places_search_text_trgm", "places", ["search_text"],
        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
    )  # fmt: skip

    op.create_table(
        "opening_hours",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens_minute", sa.SmallInteger(), nullable=False),
        sa.Column("closes_minute", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name=op.f("ck_opening_hours_period_within_day"),
        ),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name=op.f("ck_opening_hours_iso_weekday")),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_opening_hours_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_hours")),
    )
    op.create_index(
        "ix_opening_hours_lookup", "opening_hours", ["weekday", "opens_minute", "closes_minute"]
    )
    op.create_index(op.f("ix_opening_hours_place_id"), "opening_hours", ["place_id"])

    op.create_table(
        "review_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("from_status", enum(*PLACE_STATUS, name="review_from_status"), nullable=True),
        sa.Column("to_status", enum(*PLACE_STATUS, name="review_to_status"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_review_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_review_events_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    op.create_index(op.f("ix_review_events_place_id"), "review_events", ["place_id"])

    op.execute(TRIGGERS)


def downgrade():
    op.drop_table("review_events")
    op.drop_table("opening_hours")
    op.drop_table("places")
    op.execute(
        "DROP FUNCTION review_events_append_only(); DROP FUNCTION places_derive(); "
        "DROP FUNCTION hiroba_public_point(geometry, varchar); "
        "DROP FUNCTION hiroba_district_at(geometry); DROP FUNCTION hiroba_half_mesh_cell(text); "
        "DROP FUNCTION hiroba_half_mesh_code(geometry); DROP FUNCTION hiroba_fold(text)"
    )
    op.drop_table("staff_districts")
    op.drop_table("users")
    op.drop_table("districts")
