"""create_place / update_place on the real database: what is written, what is refused, by whom."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from hiroba.errors import EditConflict, OutsideDistricts, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.places.models import OpeningPeriod, Place, PlaceStatus
from hiroba.places.services import create_place, update_place
from hiroba.review.models import ReviewEvent
from tests.factories import OUTSIDE_EVERY_WARD, place_values

OWNER_EDITABLE = {PlaceStatus.DRAFT, PlaceStatus.CHANGES_REQUESTED}


def row_counts():
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Place, OpeningPeriod, ReviewEvent)
    }


def stored(place, column):
    """A column of the place as the database holds it now (not the object in memory)."""
    return db.session.scalar(text(f"SELECT {column} FROM places WHERE id = :id"), {"id": place.id})


def search_text_of(**overrides):
    owner = overrides.pop("owner")
    return create_place(owner, place_values(**overrides)).search_text


# --- create ------------------------------------------------------------------------------------


def test_create_place_writes_the_place_its_hours_and_a_creation_event(app_context, make_user):
    owner = make_user()
    place = create_place(owner, place_values(name="中原ひろば"))

    assert db.session.get(Place, place.id) is place
    assert stored(place, "name") == "中原ひろば"
    assert stored(place, "status") == "draft"
    assert stored(place, "owner_id") == owner.id
    hours = db.session.execute(
        select(OpeningPeriod.weekday, OpeningPeriod.opens_minute, OpeningPeriod.closes_minute)
        .where(OpeningPeriod.place_id == place.id)
        .order_by(OpeningPeriod.weekday)
    ).all()
    assert hours == [(day, 540, 1260) for day in range(1, 6)]
    events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.place_id == place.id)).all()
    assert [(e.actor_id, e.from_status, e.to_status, e.reason) for e in events] == [
        (owner.id, None, PlaceStatus.DRAFT, None)
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"kind": "castle"},
        {"name": "a\x00b"},
        {"opening_hours": [{"weekday": "mon", "opens": "18:00", "closes": "09:00"}]},
        {"location": list(OUTSIDE_EVERY_WARD)},
    ],
    ids=["blank-name", "unknown-kind", "nul-byte", "bad-hours", "outside-every-ward"],
)
def test_invalid_place_writes_nothing_and_the_transaction_stays_usable(
    app_context, make_user, overrides
):
    """A refused listing leaves no place, no hours and no review event behind."""
    owner = make_user()
    before = row_counts()
    with pytest.raises(ValidationFailed):
        create_place(owner, place_values(**overrides))
    assert row_counts() == before
    create_place(owner, place_values())
    db.session.flush()
    after = row_counts()
    assert after["places"] == before["places"] + 1
    assert after["review_events"] == before["review_events"] + 1


def test_unpaired_surrogate_in_a_name_is_a_validation_error_not_a_crash(app_context, make_user):
    """A JSON body may carry "\\ud800"; UTF-8 cannot encode it, so it must be refused up front."""
    owner = make_user()
    before = row_counts()
    with pytest.raises(ValidationFailed):
        create_place(owner, place_values(name="ひろば\ud800"))
    assert row_counts() == before


# --- update: versions, permissions -------------------------------------------------------------


def test_update_replaces_values_and_increments_the_version(app_context, make_user, make_place):
    owner = make_user()
    place = make_place(owner, PlaceStatus.DRAFT)
    version = place.version
    hours = [{"weekday": "sat", "opens": "10:00", "closes": "16:00"}]
    update_place(place, owner, place_values(name="新しい名前", opening_hours=hours), version)
    db.session.flush()

    assert place.version == version + 1
    assert stored(place, "version") == version + 1
    assert stored(place, "name") == "新しい名前"
    rows = db.session.execute(
        select(
            OpeningPeriod.weekday, OpeningPeriod.opens_minute, OpeningPeriod.closes_minute
        ).where(OpeningPeriod.place_id == place.id)
    ).all()
    assert rows == [(6, 600, 960)]


def test_update_with_a_stale_expected_version_is_an_edit_conflict(
    app_context, make_user, make_place
):
    """Two tabs editing one listing: the second save must not silently undo the first."""
    owner = make_user()
    place = make_place(owner, PlaceStatus.DRAFT, name="最初の名前")
    loaded = place.version
    update_place(place, owner, place_values(name="一つ目の保存"), loaded)
    db.session.flush()
    with pytest.raises(EditConflict):
        update_place(place, owner, place_values(name="二つ目の保存"), loaded)
    db.session.flush()
    assert stored(place, "name") == "一つ目の保存"


def test_a_save_in_between_is_detected_by_the_version_column(app_context, make_user, make_place):
    """Even without expected_version, the UPDATE checks the version it loaded."""
    owner = make_user()
    place = make_place(owner, PlaceStatus.DRAFT, name="最初の名前")
    db.session.execute(
        text("UPDATE places SET version = version + 1, name = '別の保存' WHERE id = :id"),
        {"id": place.id},
    )
    with pytest.raises(EditConflict):
        update_place(place, owner, place_values(name="古い画面からの保存"))
    assert stored(place, "name") == "別の保存"
    assert db.session.scalar(text("SELECT 1")) == 1


def test_update_moving_outside_every_ward_is_refused_and_nothing_changes(
    app_context, make_user, make_place
):
    owner = make_user()
    place = make_place(owner, PlaceStatus.DRAFT, name="動かない場所")
    location = stored(place, "ST_AsText(location)")
    with pytest.raises(OutsideDistricts):
        update_place(place, owner, place_values(name="移動", location=list(OUTSIDE_EVERY_WARD)))
    db.session.flush()
    assert stored(place, "ST_AsText(location)") == location
    assert stored(place, "name") == "動かない場所"
    assert db.session.scalar(
        select(func.count()).where(OpeningPeriod.place_id == place.id)
    ) == 5  # fmt: skip
    update_place(place, owner, place_values(name="ちゃんと保存"))
    db.session.flush()
    assert stored(place, "name") == "ちゃんと保存"


def test_an_owner_cannot_update_another_owners_place(app_context, make_user, make_place):
    """IDOR: knowing a listing's id is not enough to change it."""
    victim, attacker = make_user(), make_user()
    make_place(attacker, PlaceStatus.DRAFT)
    place = make_place(victim, PlaceStatus.DRAFT, name="持ち主の名前")
    with pytest.raises(PermissionDenied):
        update_place(place, attacker, place_values(name="乗っ取り"), place.version)
    db.session.flush()
    assert stored(place, "name") == "持ち主の名前"
    assert stored(place, "owner_id") == victim.id


@pytest.mark.parametrize("status", list(PlaceStatus))
def test_owner_edits_only_drafts_and_listings_sent_back(app_context, make_user, make_place, status):
    """Pending and published listings change only through review, never by a direct edit."""
    owner = make_user()
    place = make_place(owner, status, name="元の名前")
    if status in OWNER_EDITABLE:
        update_place(place, owner, place_values(name="直した名前"))
        db.session.flush()
        assert stored(place, "name") == "直した名前"
    else:
        with pytest.raises(PermissionDenied):
            update_place(place, owner, place_values(name="直した名前"))
        db.session.flush()
        assert stored(place, "name") == "元の名前"
    assert stored(place, "status") == status.value


def test_invalid_update_changes_nothing(app_context, make_user, make_place):
    owner = make_user()
    place = make_place(owner, PlaceStatus.DRAFT, name="元の名前")
    version = place.version
    with pytest.raises(ValidationFailed):
        update_place(place, owner, place_values(name="", capacity=0))
    db.session.flush()
    assert stored(place, "name") == "元の名前"
    assert stored(place, "version") == version


# --- search text -------------------------------------------------------------------------------


def test_hiroba_fold_treats_katakana_and_hiragana_alike(app_context):
    folded = db.session.execute(
        text("SELECT hiroba_fold('カワサキ'), hiroba_fold('かわさき'), hiroba_fold('ｶﾜｻｷ')")
    ).one()
    assert folded == ("かわさき", "かわさき", "かわさき")


def test_search_text_folds_kana_and_full_width_ascii(app_context, make_user):
    """「カワサキ」, 「かわさき」 and 「ｶﾜｻｷ」 find the same place; so do ＡＢＣ and abc."""
    owner = make_user()
    search_text = search_text_of(
        owner=owner, name="カワサキＡＢＣホール", name_kana="かわさき", description="ﾋﾛﾊﾞです"
    )
    assert "かわさきabcほーる" in search_text
    assert "ひろばです" in search_text
    found = db.session.scalar(
        text("SELECT count(*) FROM places WHERE search_text LIKE '%' || hiroba_fold(:q) || '%'"),
        {"q": "ｶﾜｻｷＡＢＣ"},
    )
    assert found == 1


def test_search_text_includes_the_address_of_exact_places(app_context, make_user):
    search_text = search_text_of(owner=make_user(), address="川崎市中原区小杉町3丁目600")
    assert "小杉町3丁目600" in search_text


def test_search_text_never_includes_the_address_of_approximate_places(app_context, make_user):
    """Searching a street address must not find the home hidden behind an approximate point."""
    owner = make_user()
    place = create_place(
        owner, place_values(kind="vacant_house", address="川崎市中原区小杉町3丁目600")
    )
    assert "小杉町" not in place.search_text
    assert "600" not in place.search_text
    assert "地域の集まり" in place.search_text  # the rest is still searchable


def test_search_text_is_derived_by_the_database_whatever_the_writer_sends(
    app_context, make_user, make_place
):
    place = make_place(make_user(), PlaceStatus.DRAFT, name="本当の名前")
    db.session.execute(
        text("UPDATE places SET search_text = 'にせもの' WHERE id = :id"), {"id": place.id}
    )
    assert "本当の名前" in stored(place, "search_text")


# --- the database's own checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("amenities", "ARRAY['wifi', 'jacuzzi']::varchar[]", "ck_places_amenities_vocabulary"),
        ("accessibility", "ARRAY['ramp']::varchar[]", "ck_places_accessibility_vocabulary"),
        ("conditions", "ARRAY['smoking_ok']::varchar[]", "ck_places_conditions_vocabulary"),
        ("kind", "'castle'", "ck_places_place_kind"),
        ("capacity", "0", "ck_places_capacity_positive"),
        ("name", "'   '", "ck_places_name_not_blank"),
    ],
)
def test_the_database_refuses_values_written_around_the_service(
    app_context, make_user, make_place, column, value, constraint
):
    """Imports or scripts that bypass the service still cannot store an unknown key."""
    place = make_place(make_user(), PlaceStatus.DRAFT)
    with pytest.raises(IntegrityError) as raised, db.session.begin_nested():
        db.session.execute(
            text(f"UPDATE places SET {column} = {value} WHERE id = :id"), {"id": place.id}
        )
    assert raised.value.orig.diag.constraint_name == constraint
    assert db.session.scalar(text("SELECT 1")) == 1
