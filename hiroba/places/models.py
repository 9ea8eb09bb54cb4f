"""Places (ひろば): any space where neighbours can meet, and its weekly opening hours.

Three columns are derived by the database itself, in the ``places_derive`` trigger (see the first
migration), so that no code path — form, API, import, bulk load — can forget them:

- ``district_code``: the district whose boundary covers ``location`` (a point outside every
  district is refused);
- ``public_location`` / ``public_mesh_code``: the point the public sees. For approximate places it
  is a random point inside the place's ½ 地域メッシュ cell (JIS X 0410, ~500 m), drawn once and
  redrawn only when the place moves to another cell, so repeated samples never average back to a
  home;
- ``search_text``: name, kana, English name, description and (exact places only) address, NFKC
  normalised with katakana folded to hiragana, searched through an index of its characters
  and character pairs (``hiroba_grams``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.accounts.models import User
from hiroba.columns import enum_column, vocabulary_array, vocabulary_array_check
from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places.vocabulary import (
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    LocationPrecision,
    PlaceKind,
    PlaceStatus,
    Sector,
)

PUBLISHED = text("status = 'approved'")  # the rows the public searches read


def derived():
    """A column the ``places_derive`` trigger writes on every insert and update."""
    return {"server_default": FetchedValue(), "server_onupdate": FetchedValue()}


class Place(db.Model):
    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("floor_area_m2 > 0", name="floor_area_positive"),
        CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
        vocabulary_array_check("amenities", Amenity),
        vocabulary_array_check("accessibility", Accessibility),
        vocabulary_array_check("conditions", Condition),
        Index("ix_places_amenities", "amenities", postgresql_using="gin"),
        Index("ix_places_accessibility", "accessibility", postgresql_using="gin"),
        Index("ix_places_conditions", "conditions", postgresql_using="gin"),
        # The public searches read published places only: their indexes hold nothing else
        # (migration 0008 says what each is for).
        Index(
            "ix_places_search_grams",
            text("hiroba_grams(search_text)"),
            postgresql_using="gin",
            postgresql_where=PUBLISHED,
        ),
        Index(
            "ix_places_published_location",
            "public_location",
            postgresql_using="gist",
            postgresql_where=PUBLISHED,
        ),
        # Distances and radius filters are measured on the sphere, on the public point.
        Index(
            "ix_places_published_geography",
            text("(public_location::geography)"),
            postgresql_using="gist",
            postgresql_where=PUBLISHED,
        ),
        Index(
            "ix_places_published_reading",
            text("(COALESCE(name_kana, name))"),
            "name",
            "id",
            postgresql_where=PUBLISHED,
        ),
        Index("ix_places_published_capacity", "capacity", "id", postgresql_where=PUBLISHED),
        Index(
            "ix_places_published_capacity_desc",
            text("capacity DESC NULLS LAST"),
            "id",
            postgresql_where=PUBLISHED,
        ),
        # A place imported from an open-data file is known by (municipality code, ID).
        Index(
            "uq_places_external_key",
            "external_code",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[PlaceStatus] = mapped_column(
        enum_column(PlaceStatus, "place_status"), default=PlaceStatus.DRAFT, index=True
    )

    name: Mapped[str] = mapped_column(String(120))
    name_kana: Mapped[str | None] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind, "place_kind"), index=True)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector, "sector"))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(200))

    location = mapped_column(Geometry("POINT", srid=4326), nullable=False)
    location_precision: Mapped[LocationPrecision] = mapped_column(
        enum_column(LocationPrecision, "location_precision"), default=LocationPrecision.EXACT
    )
    footprint = mapped_column(Geometry("POLYGON", srid=4326), nullable=True)
    district_code: Mapped[str] = mapped_column(
        ForeignKey("districts.code"), index=True, **derived()
    )
    public_location = mapped_column(Geometry("POINT", srid=4326), nullable=False, **derived())
    public_mesh_code: Mapped[str | None] = mapped_column(String(9), **derived())
    search_text: Mapped[str] = mapped_column(Text, **derived())

    capacity: Mapped[int | None] = mapped_column(Integer)
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    amenities: Mapped[list[str]] = mapped_column(
        vocabulary_array(), default=list, server_default=text("'{}'")
    )
    accessibility: Mapped[list[str]] = mapped_column(
        vocabulary_array(), default=list, server_default=text("'{}'")
    )
    conditions: Mapped[list[str]] = mapped_column(
        vocabulary_array(), default=list, server_default=text("'{}'")
    )
    fee: Mapped[Fee] = mapped_column(enum_column(Fee, "fee"), default=Fee.FREE)
    fee_details: Mapped[str | None] = mapped_column(String(500))
    who_may_use: Mapped[Audience] = mapped_column(
        enum_column(Audience, "audience"), default=Audience.ANYONE
    )
    hours_note: Mapped[str | None] = mapped_column(String(500))

    # Public contact for the place itself (a facility's desk), shown to everyone if given.
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    website_url: Mapped[str | None] = mapped_column(String(500))

    # 代理登録: staff registered the place for an owner who does not use the web.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proxy_consent_note: Mapped[str | None] = mapped_column(String(500))
    proxy_owner_note: Mapped[str | None] = mapped_column(String(300))  # name, how to reach them

    # Where an imported place came from: 全国地方公共団体コード and the file's ID.
    external_code: Mapped[str | None] = mapped_column(String(6))
    external_id: Mapped[str | None] = mapped_column(String(64))

    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the owner was last asked to confirm the listing (hiroba.freshness); a reminder
    # older than last_confirmed_at has been answered.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), index=True
    )
    version: Mapped[int] = mapped_column(Integer)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    district: Mapped[District] = relationship(viewonly=True)
    opening_hours: Mapped[list[OpeningPeriod]] = relationship(
        back_populates="place",
        cascade="all, delete-orphan",
        order_by="(OpeningPeriod.weekday, OpeningPeriod.opens_minute)",
    )

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}

    def __repr__(self) -> str:
        return f"<Place {self.id} {self.status}>"


class PlaceFeature(db.Model):
    """A place's public GeoJSON Feature as JSON text, kept ready by the database.

    Written only by triggers on places, opening hours and district names (migration 0012),
    from ``hiroba_place_feature(places)``, the one definition of what the public may see of a
    place: never written by Python. Pages of the API and of the map join these instead of
    building Features while the reader waits.
    """

    __tablename__ = "place_features"

    place_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    feature: Mapped[str] = mapped_column(Text)
    # The open-data CSV's point: exact places' own, a cell-level one for approximate places.
    export_point: Mapped[str] = mapped_column(Geometry("POINT", 4326, spatial_index=False))
    # The opening hours as the export reads them: "weekday opens closes" (minutes), in order.
    periods: Mapped[str | None] = mapped_column(Text)


class OpeningPeriod(db.Model):
    """One opening period on one weekday, in minutes since local midnight (Asia/Tokyo).

    Minutes rather than TIME so that a period can close at 24:00; a period past midnight is
    stored as two periods.
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="iso_weekday"),
        CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name="period_within_day",
        ),
        Index("ix_opening_hours_lookup", "weekday", "opens_minute", "closes_minute"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # ISO: 1 = Monday … 7 = Sunday
    opens_minute: Mapped[int] = mapped_column(SmallInteger)
    closes_minute: Mapped[int] = mapped_column(SmallInteger)

    place: Mapped[Place] = relationship(back_populates="opening_hours")


class RevisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class PlaceRevision(db.Model):
    """Proposed new values for an approved place, reviewed before they replace the public ones.

    ``values`` holds the raw input as the place form sends it (JSON), cleaned again when applied.
    At most one revision per place is pending at a time.
    """

    __tablename__ = "place_revisions"
    __table_args__ = (
        Index(
            "uq_place_revisions_one_pending",
            "place_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    values: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_column(RevisionStatus, "revision_status"), default=RevisionStatus.PENDING
    )
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    place: Mapped[Place] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}
