"""Adding and removing photos of places.

Every upload is decoded and re-encoded by Pillow: only real JPEG, PNG and WebP images get in,
oversized ones are scaled down, the EXIF orientation is applied, and nothing of the original
file's metadata (EXIF, GPS position, XMP, comments) survives — the new file carries pixels only.
"""

from __future__ import annotations

import io
import uuid
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from hiroba.accounts.models import User
from hiroba.errors import PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.permissions import can_edit_place
from hiroba.photos.models import PlacePhoto
from hiroba.photos.store import delete_photo, write_file
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.revisions import open_revision
from hiroba.text import has_forbidden_characters

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_SIDE = 2400  # pixels; larger photos are scaled down
MAX_PIXELS = 50_000_000  # refuse decompression bombs before decoding
MAX_CAPTION = 200


def _refuse(message) -> ValidationFailed:
    return ValidationFailed({"photos": message})


def reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """(new bytes, format name, width, height) of a JPEG/PNG/WebP image, without metadata."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise _refuse(_l("Photos must be JPEG, PNG or WebP images."))
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse(_l("This image has too many pixels."))
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise _refuse(_l("This file is not a readable JPEG, PNG or WebP image.")) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # A fresh image from the pixels alone: nothing of the original's info dict is carried over.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        clean.putpalette(image.getpalette())
    out = io.BytesIO()
    options = {"quality": 85, "optimize": True} if kind in ("JPEG", "WEBP") else {"optimize": True}
    clean.save(out, format=kind, **options)
    return out.getvalue(), kind, clean.width, clean.height


def add_photo(
    place: Place, uploader: User, stream: BinaryIO, caption: str | None = None
) -> PlacePhoto:
    """Store a photo of ``place``; on a published place it waits in the pending revision."""
    if not can_edit_place(uploader, place):
        raise PermissionDenied()
    limit = current_app.config["PHOTO_MAX_BYTES"]
    if len(place.photos) >= current_app.config["PHOTO_MAX_PER_PLACE"]:
        raise _refuse(
            _l(
                "A place can have at most %(n)d photos.",
                n=current_app.config["PHOTO_MAX_PER_PLACE"],
            )
        )
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _refuse(_l("Each photo can be at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    if not data:
        raise _refuse(_l("The file is empty."))
    caption = (caption or "").strip() or None
    if caption and (len(caption) > MAX_CAPTION or has_forbidden_characters(caption)):
        raise ValidationFailed({"caption": _l("At most %(n)d characters.", n=MAX_CAPTION)})
    encoded, kind, width, height = reencode(data)
    content_type, extension = FORMATS[kind]
    revision = open_revision(place, uploader) if place.status == PlaceStatus.APPROVED else None
    photo = PlacePhoto(
        place=place,
        revision_id=revision.id if revision else None,
        uploaded_by_id=uploader.id,
        storage_key=f"{uuid.uuid4().hex}.{extension}",
        content_type=content_type,
        width=width,
        height=height,
        byte_size=len(encoded),
        caption=caption,
        position=max((p.position for p in place.photos), default=-1) + 1,
    )
    write_file(photo.storage_key, encoded)
    db.session.add(photo)
    db.session.flush()
    return photo


def remove_photo(photo: PlacePhoto, actor: User) -> None:
    """Remove a photo; a public photo of a published place goes only when the revision does."""
    place = photo.place
    if not can_edit_place(actor, place):
        raise PermissionDenied()
    if place.status == PlaceStatus.APPROVED and photo.revision_id is None:
        revision = open_revision(place, actor)
        removed = set(revision.values.get("removed_photo_ids") or []) | {photo.id}
        revision.values = {**revision.values, "removed_photo_ids": sorted(removed)}
    else:
        delete_photo(photo)
    db.session.flush()
