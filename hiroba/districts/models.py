"""Districts (区, wards): the areas a registry covers and the unit of staff responsibility."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from hiroba.extensions import db

# The ward's social design centre: what residents are told when they ask to use a place.
CENTRE_FIELDS = (
    "centre_name",
    "centre_address",
    "centre_hours",
    "centre_phone",
    "centre_email",
    "centre_url",
    "centre_note",
)


class District(db.Model):
    """A ward or municipality, keyed by its 6-digit 全国地方公共団体コード (with check digit)."""

    __tablename__ = "districts"
    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{6}$'", name="code_six_digits"),
        CheckConstraint("centre_url ~ '^https://'", name="centre_url_https"),
    )

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str | None] = mapped_column(String(60))
    prefecture_ja: Mapped[str | None] = mapped_column(String(20))
    city_ja: Mapped[str | None] = mapped_column(String(40))
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=4326), nullable=False)

    # ソーシャルデザインセンター: public contact of an office, edited by administrators.
    centre_name: Mapped[str | None] = mapped_column(String(120))
    centre_address: Mapped[str | None] = mapped_column(String(200))
    centre_hours: Mapped[str | None] = mapped_column(String(300))  # free text: 平日 9:00〜17:00
    centre_phone: Mapped[str | None] = mapped_column(String(40))
    centre_email: Mapped[str | None] = mapped_column(String(254))
    centre_url: Mapped[str | None] = mapped_column(String(500))
    centre_note: Mapped[str | None] = mapped_column(String(500))

    @property
    def has_centre_contact(self) -> bool:
        return any(getattr(self, name) for name in CENTRE_FIELDS)

    def __repr__(self) -> str:
        return f"<District {self.code} {self.name_ja}>"
