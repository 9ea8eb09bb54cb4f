"""create_user: valid accounts only, one account per email whatever its case, argon2id hashes."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from hiroba.accounts.models import Role, User
from hiroba.accounts.passwords import hash_password, needs_rehash, verify_password
from hiroba.accounts.services import create_user, find_user_by_email
from hiroba.errors import ValidationFailed
from hiroba.extensions import db
from tests.factories import NAKAHARA, PASSWORD

OTHER_WARD = "141313"


@pytest.fixture(autouse=True)
def _english(app_context):
    """Messages are translated lazily; the assertions read their English text."""
    with force_locale("en"):
        yield


def user_count():
    return db.session.scalar(select(func.count(User.id)))


def refused(field, email="hanako@example.jp", name="花子", password=PASSWORD, **kwargs):
    """The message for ``field``, which must be the only problem; nothing may be written."""
    before = user_count()
    with pytest.raises(ValidationFailed) as raised:
        create_user(email, name, password, **kwargs)
    assert set(raised.value.errors) == {field}, raised.value.errors
    assert user_count() == before
    return str(raised.value.errors[field])


def test_create_user_stores_a_resident(app_context):
    user = create_user("  hanako@example.jp ", " 花子 ", PASSWORD)
    db.session.flush()
    row = db.session.execute(
        text("SELECT email, display_name, role FROM users WHERE id = :id"), {"id": user.id}
    ).one()
    assert tuple(row) == ("hanako@example.jp", "花子", "resident")
    assert user.wards == []
    assert find_user_by_email("HANAKO@example.JP") is user


@pytest.mark.parametrize(
    ("first", "second"),
    [("Taro@Example.jp", "taro@example.jp"), ("taro@example.jp", "TARO@EXAMPLE.JP"),
     ("taro@example.jp", "  Taro@example.jp  ")],
)  # fmt: skip
def test_email_is_unique_regardless_of_case(first, second):
    """Taro@Example.jp and taro@example.jp are one person: a second account is refused."""
    create_user(first, "太郎", PASSWORD)
    db.session.flush()
    assert "already exists" in refused("email", email=second)


@pytest.mark.parametrize(
    ("first", "second"),
    [("İpek@example.jp", "İpek@example.jp"), ("Ömer@example.jp", "ömer@example.jp")],
)
def test_non_ascii_duplicates_are_refused_as_a_message(first, second):
    """Python and PostgreSQL lower-case some letters differently (İ); whichever check catches
    the duplicate, the visitor gets "already exists", never an error page."""
    create_user(first, "一人目", PASSWORD)
    db.session.flush()
    assert "already exists" in refused("email", email=second)
    assert db.session.scalar(text("SELECT 1")) == 1


@pytest.mark.parametrize("email", ["hanako@example.jp", "İpek@example.jp", "Ömer@example.jp"])
def test_find_user_by_email_finds_the_account_by_its_own_address(email):
    """Login looks accounts up this way: the exact address someone registered must find them."""
    user = create_user(email, "利用者", PASSWORD)
    db.session.flush()
    assert find_user_by_email(email) is user
    assert find_user_by_email(email.upper()) is user


def test_database_refuses_a_duplicate_written_around_the_service(make_user):
    """Two registrations racing past the check still meet the unique index on lower(email)."""
    make_user(email="Taro@Example.jp")
    with pytest.raises(IntegrityError) as raised, db.session.begin_nested():
        db.session.execute(
            text(
                "INSERT INTO users (email, display_name, password_hash, role, session_token, "
                "locale) VALUES ('taro@example.JP', '偽物', 'x', 'resident', 'token', 'ja')"
            )
        )
    assert raised.value.orig.diag.constraint_name == "uq_users_email_lower"
    assert db.session.scalar(
        select(func.count()).where(func.lower(User.email) == "taro@example.jp")
    ) == 1  # fmt: skip


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "taro",
        "taro@",
        "@example.jp",
        "taro@example",
        "taro @example.jp",
        "taro@exa mple.jp",
        "taro@@example.jp",
        "a" * 65 + "@example.jp",
        "taro@" + "d" * 248 + ".j",  # 255 characters
        pytest.param("taro\x00@example.jp", id="nul-byte"),
        pytest.param("ta\x1bro@example.jp", id="escape"),
        pytest.param("taro\ud800@example.jp", id="lone-surrogate"),
    ],
)
def test_invalid_emails_are_refused(email):
    """NUL and lone surrogates included: PostgreSQL cannot store them, so they must be refused
    as a validation error rather than crash the registration."""
    assert "valid email" in refused("email", email=email)


def test_email_of_254_characters_is_accepted():
    email = "taro@" + "d" * 247 + ".j"
    assert len(email) == 254
    assert create_user(email, "太郎", PASSWORD).email == email


@pytest.mark.parametrize(
    ("password", "message"),
    [("", "at least 10"), ("123456789", "at least 10"), ("あいうえおかきくけ", "at least 10"),
     (None, "at least 10"), ("x" * 257, "too long")],
)  # fmt: skip
def test_short_or_overlong_passwords_are_refused(password, message):
    assert message in refused("password", password=password)


@pytest.mark.parametrize("password", ["0123456789", "x" * 256, "あいうえおかきくけこ"])
def test_passwords_at_the_limits_are_accepted(password):
    user = create_user("hanako@example.jp", "花子", password)
    assert verify_password(user.password_hash, password)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Enter a display name"), ("   ", "Enter a display name"), (None, "Enter a display name"),
     ("名" * 61, "at most 60")],
)  # fmt: skip
def test_blank_or_overlong_display_names_are_refused(name, message):
    assert message in refused("display_name", name=name)


@pytest.mark.parametrize("name", ["花子\x00", "花子\ud800"], ids=["nul-byte", "lone-surrogate"])
def test_display_names_postgresql_cannot_store_are_refused(name):
    """A name the database cannot encode must be a message, not an HTTP 500."""
    refused("display_name", name=name)


def test_display_name_of_60_characters_is_accepted():
    assert create_user("hanako@example.jp", "名" * 60, PASSWORD).display_name == "名" * 60


def test_every_problem_is_reported_together():
    with pytest.raises(ValidationFailed) as raised:
        create_user("nobody", "", "short", Role.STAFF, ["999999"])
    assert set(raised.value.errors) == {"email", "display_name", "password", "wards"}


def test_staff_get_their_wards():
    user = create_user("staff@example.jp", "区職員", PASSWORD, Role.STAFF, [OTHER_WARD, NAKAHARA])
    db.session.flush()
    assert user.ward_codes == {NAKAHARA, OTHER_WARD}
    stored = db.session.scalars(
        text("SELECT district_code FROM staff_districts WHERE user_id = :id ORDER BY 1"),
        {"id": user.id},
    ).all()
    assert stored == sorted([NAKAHARA, OTHER_WARD])


@pytest.mark.parametrize("codes", [["999999"], [NAKAHARA, "141000"], ["川崎区"]])
def test_unknown_ward_codes_for_staff_are_refused(codes):
    assert "Unknown ward code" in refused("wards", role=Role.STAFF, ward_codes=codes)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.ADMIN])
def test_wards_are_ignored_for_non_staff(role):
    """Only staff act for wards; a resident given wards gets none (and no staff powers)."""
    user = create_user("hanako@example.jp", "花子", PASSWORD, role, [NAKAHARA])
    db.session.flush()
    assert user.wards == []
    assert db.session.scalar(
        text("SELECT count(*) FROM staff_districts WHERE user_id = :id"), {"id": user.id}
    ) == 0  # fmt: skip


# --- password hashing --------------------------------------------------------------------------


def test_stored_hash_is_argon2id_with_the_owasp_minimum_parameters():
    user = create_user("hanako@example.jp", "花子", PASSWORD)
    db.session.flush()
    stored = db.session.scalar(
        text("SELECT password_hash FROM users WHERE id = :id"), {"id": user.id}
    )
    _, algorithm, version, params, salt, digest = stored.split("$")
    assert algorithm == "argon2id"
    assert version == "v=19"
    assert dict(p.split("=") for p in params.split(",")) == {"m": "19456", "t": "2", "p": "1"}
    assert len(salt) >= 22 and len(digest) >= 43  # 16-byte salt, 32-byte hash, base64
    assert not needs_rehash(stored)


def test_same_password_gets_a_different_salt():
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_verify_password_accepts_the_right_password_only():
    user = create_user("hanako@example.jp", "花子", PASSWORD)
    assert verify_password(user.password_hash, PASSWORD)
    for wrong in ("", PASSWORD.upper(), PASSWORD + " ", PASSWORD[:-1]):
        assert not verify_password(user.password_hash, wrong)


@pytest.mark.parametrize("stored", ["", "plain text", "$argon2id$v=19$broken", "$2b$12$abc"])
def test_verify_password_refuses_malformed_hashes_without_crashing(stored):
    assert not verify_password(stored, PASSWORD)


def test_plain_password_is_never_stored():
    password = "ひみつのパスワード-42-secret"
    user = create_user("hanako@example.jp", "花子", password)
    db.session.flush()
    row = db.session.execute(
        text("SELECT * FROM users WHERE id = :id"), {"id": user.id}
    ).mappings().one()  # fmt: skip
    for column, value in row.items():
        assert password not in str(value), column
        assert "secret" not in str(value), column
