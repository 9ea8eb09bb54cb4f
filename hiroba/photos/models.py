"""Photos of places. The files live under ``instance/photos``; rows say whose and whether public."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.extensions import db
from hiroba.places.models import Place


class PlacePhoto(db.Model):
    """A photo, re-encoded on upload so that no metadata (EXIF, GPS) survives.

    A photo added to an approved place belongs to the pending revision (``revision_id``) and
    stays private until that revision is approved.
    """

    __tablename__ = "place_photos"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("place_revisions.id"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    place: Mapped[Place] = relationship(
        backref=db.backref("photos", order_by="PlacePhoto.position", cascade="all, delete-orphan")
    )
