"""Districts (区, wards): the areas a registry covers and the unit of staff responsibility."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from hiroba.extensions import db


class District(db.Model):
    """A ward or municipality, keyed by its 6-digit 全国地方公共団体コード (with check digit)."""

    __tablename__ = "districts"
    __table_args__ = (CheckConstraint("code ~ '^[0-9]{6}$'", name="code_six_digits"),)

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str | None] = mapped_column(String(60))
    prefecture_ja: Mapped[str | None] = mapped_column(String(20))
    city_ja: Mapped[str | None] = mapped_column(String(40))
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326), nullable=False)

    def __repr__(self) -> str:
        return f"<District {self.code} {self.name_ja}>"
