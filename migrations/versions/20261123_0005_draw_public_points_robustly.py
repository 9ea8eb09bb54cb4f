"""Draw public points robustly where a ½ mesh cell meets its ward in a thin shape

ST_GeneratePoints returns no point for some multi-part shapes (a cell cut by a river or the
coast into pieces): a place there could not be saved with approximate precision. Draw inside the
largest piece instead, and as a last resort take a point on its surface — always inside the cell
and the ward.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROBUST = """
CREATE OR REPLACE FUNCTION hiroba_public_point(true_point geometry, district varchar)
RETURNS geometry LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cell geometry := hiroba_half_mesh_cell(hiroba_half_mesh_code(true_point));
    area geometry;
    drawn geometry;
BEGIN
    SELECT part.geom INTO area
    FROM districts,
         ST_Dump(ST_CollectionExtract(ST_Intersection(cell, boundary), 3)) AS part
    WHERE code = district
    ORDER BY ST_Area(part.geom) DESC
    LIMIT 1;
    IF area IS NULL OR ST_IsEmpty(area) OR ST_Area(area) = 0 THEN
        area := cell;
    END IF;
    FOR attempt IN 1..4 LOOP
        drawn := ST_GeometryN(ST_GeneratePoints(area, 1), 1);
        EXIT WHEN drawn IS NOT NULL;
    END LOOP;
    RETURN ST_SetSRID(COALESCE(drawn, ST_PointOnSurface(area)), 4326);
END $$;
"""

ORIGINAL = """
CREATE OR REPLACE FUNCTION hiroba_public_point(true_point geometry, district varchar)
RETURNS geometry LANGUAGE plpgsql VOLATILE AS $$
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
"""


def upgrade():
    op.execute(ROBUST)


def downgrade():
    op.execute(ORIGINAL)
