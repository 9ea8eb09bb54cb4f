"""Photos through the place form: re-encoded without EXIF or GPS, only JPEG/PNG/WebP, size-limited,
served only to those who may see them, removed with CSRF-protected posts."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from hiroba.extensions import db
from hiroba.photos.models import PlacePhoto
from hiroba.photos.services import add_photo
from hiroba.places.models import Place, PlaceRevision
from hiroba.places.values import raw_from_place
from hiroba.review import services as review
from tests.factories import NAKAHARA, place_values
from tests.test_owner_pages import count_places, csrf_token, form_data, login, reload

CAMERA = "SecretCam 3000"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def image_bytes(kind: str, size=(64, 48), exif: Image.Exif | None = None, noise=False) -> bytes:
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    if noise:  # incompressible: a big file from a small image
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 120, 40))
    image.save(out, format=kind, **options)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF names the camera and holds a GPS position (a home in 中原区)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)  # tag 0x8825
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 34.0, 37.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (139.0, 39.0, 31.2)
    data = image_bytes("JPEG", exif=exif)
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries GPS
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


@pytest.fixture
def photo_dir(app, tmp_path, monkeypatch):
    """Photo files go to a directory of this test only."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "photos"


@pytest.fixture
def owner(make_user, client):
    user = make_user()
    login(client, user)
    return user


def upload(client, path: str, files: list[tuple[bytes, str, str]], raw=None, **extra):
    data = form_data(raw or place_values(), csrf_token=csrf_token(client, path), **extra)
    data["photos"] = [(io.BytesIO(content), name, mime) for content, name, mime in files]
    return client.post(path, data=data, content_type="multipart/form-data")


def photos_of(app, place_id: int) -> list[PlacePhoto]:
    with app.app_context():
        return db.session.scalars(
            select(PlacePhoto).where(PlacePhoto.place_id == place_id).order_by(PlacePhoto.id)
        ).all()


def only_place_of(app, user) -> Place:
    with app.app_context():
        (place,) = db.session.scalars(select(Place).where(Place.owner_id == user.id)).all()
        return place


def stored_photo(app, place, owner, content: bytes | None = None, caption=None) -> PlacePhoto:
    with app.app_context():
        fresh = db.session.get(Place, place.id)
        photo = add_photo(fresh, owner, io.BytesIO(content or image_bytes("JPEG")), caption)
        db.session.commit()
        return photo


def fetch(client, url: str):
    """GET a photo and read it whole (closing the file the response streams from)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def files_in(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# --- uploading --------------------------------------------------------------------------------


def test_a_jpeg_loses_its_exif_and_gps(app, client, owner, photo_dir):
    response = upload(client, "/places/new", [(jpeg_with_gps(), "home.jpg", "image/jpeg")])
    assert response.status_code == 302
    (photo,) = photos_of(app, only_place_of(app, owner).id)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.storage_key)
    stored = (photo_dir / photo.storage_key).read_bytes()
    assert b"Exif" not in stored and CAMERA.encode() not in stored
    with Image.open(photo_dir / photo.storage_key) as image:
        assert image.format == "JPEG"
        assert "exif" not in image.info
        assert len(image.getexif()) == 0
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert image.size == (64, 48)


def test_png_and_webp_are_accepted(app, client, owner, photo_dir):
    files = [
        (image_bytes("PNG"), "plan.png", "image/png"),
        (image_bytes("WEBP"), "room.webp", "image/webp"),
    ]
    response = upload(client, "/places/new", files, photo_caption="集会室の様子")
    assert response.status_code == 302
    photos = photos_of(app, only_place_of(app, owner).id)
    assert [p.content_type for p in photos] == ["image/png", "image/webp"]
    assert [p.caption for p in photos] == ["集会室の様子"] * 2
    assert files_in(photo_dir) == sorted(p.storage_key for p in photos)


REFUSED = {
    "text renamed .jpg": (b"just some text, not a photo\n" * 10, "photo.jpg", "image/jpeg"),
    "SVG": (SVG, "logo.svg", "image/svg+xml"),
    "SVG renamed .png": (SVG, "logo.png", "image/png"),
    "GIF": (b"GIF89a" + image_bytes("GIF")[6:], "anim.gif", "image/gif"),
    "empty file": (b"", "empty.jpg", "image/jpeg"),
    "truncated JPEG": (image_bytes("JPEG")[:200], "cut.jpg", "image/jpeg"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_what_is_not_a_photo_is_refused_and_nothing_is_saved(app, client, owner, photo_dir, case):
    before = count_places(app)
    good = (image_bytes("PNG"), "good.png", "image/png")  # written first, then undone
    response = upload(client, "/places/new", [good, REFUSED[case]])
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="photos-error"', source)
    assert count_places(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlacePhoto)) == 0
    assert files_in(photo_dir) == []


def test_an_oversized_photo_is_refused(app, client, owner, photo_dir, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 2000)  # restored after the test
    big = image_bytes("PNG", size=(100, 100), noise=True)
    assert len(big) > 2000
    before = count_places(app)
    response = upload(client, "/places/new", [(big, "big.png", "image/png")])
    assert response.status_code == 422
    assert 'id="photos-error"' in response.get_data(as_text=True)
    assert count_places(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlacePhoto)) == 0
    assert files_in(photo_dir) == []


def test_a_refused_photo_leaves_the_draft_unchanged(app, client, owner, make_place, photo_dir):
    place = make_place(owner=owner, status="draft", name="元の名前")
    version = reload(app, place).version
    response = upload(
        client,
        f"/places/{place.id}/edit",
        [(image_bytes("JPEG"), "ok.jpg", "image/jpeg"), (SVG, "x.svg", "image/svg+xml")],
        raw=place_values(name="新しい名前"),
        version=str(version),
    )
    assert response.status_code == 422
    fresh = reload(app, place)
    assert (fresh.name, fresh.version) == ("元の名前", version)
    assert photos_of(app, place.id) == [] and files_in(photo_dir) == []


def test_photos_alone_for_a_published_place_wait_in_a_revision(
    app, client, owner, make_place, photo_dir
):
    place = make_place(owner=owner)
    with app.app_context():
        raw = raw_from_place(db.session.get(Place, place.id))
    response = upload(
        client,
        f"/places/{place.id}/edit",
        [(image_bytes("JPEG"), "new.jpg", "image/jpeg")],
        raw=raw,
        version=str(reload(app, place).version),
    )
    assert response.status_code == 302
    (photo,) = photos_of(app, place.id)
    with app.app_context():
        revision = db.session.scalar(
            select(PlaceRevision).where(PlaceRevision.place_id == place.id)
        )
    assert photo.revision_id == revision.id
    url = f"/photos/{photo.storage_key}"
    assert fetch(app.test_client(), url).status_code == 404
    assert fetch(client, url).status_code == 200
    source = client.get(f"/places/{place.id}", headers={"Accept-Language": "en"})
    assert "Waiting for review" in source.get_data(as_text=True)


# --- serving ----------------------------------------------------------------------------------


def test_a_drafts_photo_is_for_its_owner_and_ward_staff_only(
    app, client, owner, make_place, make_user, make_staff, photo_dir
):
    place = make_place(owner=owner, status="draft")
    photo = stored_photo(app, place, owner)
    url = f"/photos/{photo.storage_key}"
    assert fetch(app.test_client(), url).status_code == 404
    stranger = app.test_client()
    login(stranger, make_user())
    assert fetch(stranger, url).status_code == 404
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]
    staff = app.test_client()
    login(staff, make_staff(NAKAHARA))
    assert fetch(staff, url).status_code == 200


def test_a_published_photo_is_public_and_on_the_place_page(
    app, make_place, make_user, make_staff, photo_dir
):
    owner = make_user()
    place = make_place(owner=owner, status="draft", name="写真のある場所")
    photo = stored_photo(app, place, owner, image_bytes("PNG"), caption="入口の様子")
    bare = stored_photo(app, place, owner, image_bytes("WEBP"))
    submit(app, place, owner)
    visitor = app.test_client()
    assert fetch(visitor, f"/photos/{photo.storage_key}").status_code == 404  # pending: not yet
    approve(app, place, make_staff(NAKAHARA))
    response = fetch(visitor, f"/photos/{photo.storage_key}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"].startswith("public")
    source = visitor.get(f"/places/{place.id}").get_data(as_text=True)
    assert f'src="/photos/{photo.storage_key}"' in source and 'alt="入口の様子"' in source
    assert f'src="/photos/{bare.storage_key}"' in source and 'alt="写真のある場所"' in source
    assert "badge-waiting" not in source


def submit(app, place, owner) -> None:
    with app.app_context():
        review.submit(db.session.get(Place, place.id), owner)
        db.session.commit()


def approve(app, place, staff) -> None:
    with app.app_context():
        review.approve(db.session.get(Place, place.id), staff)
        db.session.commit()


@pytest.mark.parametrize(
    "key",
    [
        "nope",
        "../secret_key",
        "..%2Fsecret_key",
        "0123456789abcdef0123456789abcdef.svg",
        "0123456789ABCDEF0123456789ABCDEF.jpg",
        "0123456789abcdef0123456789abcdef.jpg",  # the right shape, but no such photo
        "0123456789abcdef0123456789abcdef.jpg.html",
    ],
)
def test_unknown_or_malformed_photo_keys_are_not_found(client, key):
    assert fetch(client, f"/photos/{key}").status_code == 404


# --- removing ---------------------------------------------------------------------------------


def test_removing_a_drafts_photo_deletes_it_and_its_file(app, client, owner, make_place, photo_dir):
    place = make_place(owner=owner, status="draft")
    photo = stored_photo(app, place, owner)
    assert files_in(photo_dir) == [photo.storage_key]
    edit = f"/places/{place.id}/edit"
    response = client.post(
        f"/places/{place.id}/photos/{photo.id}/delete",
        data={"csrf_token": csrf_token(client, edit)},
    )
    assert response.status_code == 302
    assert photos_of(app, place.id) == []
    assert files_in(photo_dir) == []


def test_removing_needs_a_csrf_token(app, client, owner, make_place, photo_dir):
    place = make_place(owner=owner, status="draft")
    photo = stored_photo(app, place, owner)
    response = client.post(f"/places/{place.id}/photos/{photo.id}/delete")
    assert response.status_code == 400
    assert [p.id for p in photos_of(app, place.id)] == [photo.id]


def test_removing_a_published_photo_waits_for_review(
    app, client, owner, make_place, make_staff, photo_dir
):
    place = make_place(owner=owner, status="draft")
    photo = stored_photo(app, place, owner)
    submit(app, place, owner)
    approve(app, place, make_staff(NAKAHARA))
    response = client.post(
        f"/places/{place.id}/photos/{photo.id}/delete",
        data={"csrf_token": csrf_token(client, f"/places/{place.id}/edit")},
    )
    assert response.status_code == 302
    assert [p.id for p in photos_of(app, place.id)] == [photo.id]
    assert fetch(app.test_client(), f"/photos/{photo.storage_key}").status_code == 200
    with app.app_context():
        revision = db.session.scalar(
            select(PlaceRevision).where(PlaceRevision.place_id == place.id)
        )
        assert revision.values["removed_photo_ids"] == [photo.id]


def test_nobody_removes_another_owners_photo(app, client, owner, make_place, photo_dir):
    mine = make_place(owner=owner, status="draft")
    theirs_owner_place = make_place(status="draft")
    with app.app_context():
        their_owner = db.session.get(Place, theirs_owner_place.id).owner
    theirs = stored_photo(app, theirs_owner_place, their_owner)
    token = csrf_token(client, f"/places/{mine.id}/edit")
    for path in (
        f"/places/{theirs_owner_place.id}/photos/{theirs.id}/delete",  # by URL
        f"/places/{mine.id}/photos/{theirs.id}/delete",  # tampering: my place, their photo
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    assert [p.id for p in photos_of(app, theirs_owner_place.id)] == [theirs.id]
    assert files_in(photo_dir) == [theirs.storage_key]
