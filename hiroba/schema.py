"""What Alembic compares: our tables, not the ones PostGIS and its extensions bring along."""

from geoalchemy2 import alembic_helpers

EXTENSION_TABLES = {"spatial_ref_sys", "geography_columns", "geometry_columns"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name in EXTENSION_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
