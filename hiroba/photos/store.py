"""Where photo files live (``instance/photos``), and the photo rows that follow a revision.

Files are written before the row that names them is flushed, and deleted only after the row's
deletion has committed, so a photo row never points at a missing file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import current_app

from hiroba.database import after_commit
from hiroba.extensions import db
from hiroba.photos.models import PlacePhoto
from hiroba.places.models import PlaceRevision


def photo_dir() -> Path:
    return Path(current_app.instance_path) / "photos"


def path_for(storage_key: str) -> Path:
    return photo_dir() / storage_key


def write_file(storage_key: str, data: bytes) -> None:
    """Write atomically: a reader never sees half a photo."""
    directory = photo_dir()
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path_for(storage_key))


def delete_photo(photo: PlacePhoto) -> None:
    """Delete the row now and its file once that deletion has committed."""
    key = photo.storage_key
    db.session.delete(photo)
    after_commit(lambda: path_for(key).unlink(missing_ok=True))


def publish_revision_photos(revision: PlaceRevision) -> None:
    """On approval: the revision's new photos become public, its removed ones go."""
    for photo in _revision_photos(revision):
        photo.revision_id = None
    removed = set((revision.values or {}).get("removed_photo_ids") or [])
    for photo in list(revision.place.photos):
        if photo.id in removed:
            delete_photo(photo)


def discard_revision_photos(revision: PlaceRevision) -> None:
    """On rejection or withdrawal: the revision's new photos are deleted."""
    for photo in _revision_photos(revision):
        delete_photo(photo)


def _revision_photos(revision: PlaceRevision) -> list[PlacePhoto]:
    return [p for p in revision.place.photos if p.revision_id == revision.id]
