"""Column types shared by the models of several features."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, String
from sqlalchemy.dialects.postgresql import ARRAY


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A vocabulary column: VARCHAR with a CHECK constraint listing the allowed keys.

    Not a native PostgreSQL enum: extending a vocabulary is then a plain constraint change.
    """
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def vocabulary_array() -> ARRAY:
    """A set of vocabulary keys (amenities, accessibility, conditions)."""
    return ARRAY(String(32))


def vocabulary_array_check(column: str, enum: type[StrEnum]) -> CheckConstraint:
    """Only known keys may be stored in ``column``, each at most once is enforced by services."""
    keys = ", ".join(f"'{m.value}'" for m in enum)
    return CheckConstraint(f"{column} <@ ARRAY[{keys}]::varchar[]", name=f"{column}_vocabulary")
