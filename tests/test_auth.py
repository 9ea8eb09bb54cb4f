"""Registering, logging in and out: sessions carry the rotating token, failures tell nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from hiroba import create_app
from hiroba.accounts import services
from hiroba.accounts.models import Role, User
from hiroba.accounts.passwords import verify_password
from hiroba.config import ConfigError
from hiroba.extensions import db, login_manager
from tests.auth_helpers import EN, csrf_token_from, logged_in, login, page_token, whoami
from tests.conftest import config_for
from tests.factories import PASSWORD
from tests.test_pages import OPEN_REDIRECTS

NEW_EMAIL = "hanako@example.jp"


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def reload(app, user) -> User:
    with app.app_context():
        return db.session.get(User, user.id)


def register(client, headers=EN, **values):
    data = {
        "email": NEW_EMAIL,
        "display_name": "花子",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **values,
    }
    data["csrf_token"] = page_token(client, "/register")
    return client.post("/register", data=data, headers=headers)


def cookie_attributes(response, name: str) -> dict[str, str] | None:
    """The attributes of the Set-Cookie header for ``name`` (lower-case keys), or None."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            parts = [p.strip() for p in header.split(";")]
            attributes = {"value": parts[0].split("=", 1)[1]}
            for part in parts[1:]:
                key, _, value = part.partition("=")
                attributes[key.lower()] = value
            return attributes
    return None


# --- registering -------------------------------------------------------------------------------


def test_register_creates_a_resident_and_logs_in(app, client):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/me"
    assert whoami(client) == "花子"
    with app.app_context():
        user = services.find_user_by_email(NEW_EMAIL)
        assert user.role == Role.RESIDENT
        assert user.last_login_at is not None
        assert verify_password(user.password_hash, PASSWORD)


def test_register_honours_a_safe_next(client):
    data = {"email": NEW_EMAIL, "display_name": "花子", "password": PASSWORD, "confirm": PASSWORD}
    data["csrf_token"] = page_token(client, "/register")
    response = client.post("/register?next=/places/1", data=data)
    assert response.headers["Location"] == "/places/1"


TEN_KB = "あ" * 10_000


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"email": "HANAKO@Example.JP"}, "email", "already exists"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10"),
        ({"confirm": PASSWORD + "!"}, "confirm", "not the same"),
        ({"email": ""}, "email", "Please fill in"),
        ({"display_name": ""}, "display_name", "Please fill in"),
        ({"email": "a" * 10_000 + "@example.jp"}, "email", "valid email"),
        ({"display_name": TEN_KB}, "display_name", "at most 60"),
        ({"password": TEN_KB, "confirm": TEN_KB}, "password", "too long"),
        ({"email": "hana\x00ko@example.jp"}, "email", "valid email"),
        ({"display_name": "花\x00子"}, "display_name", "not allowed"),
        ({"password": PASSWORD + "\x00", "confirm": PASSWORD + "\x00"}, "password", "not allowed"),
    ],
    ids=[
        "duplicate-email-other-case", "short-password", "mismatched-confirmation", "no-email",
        "no-name", "10kb-email", "10kb-name", "10kb-password", "nul-email", "nul-name",
        "nul-password",
    ],
)  # fmt: skip
def test_register_refuses_bad_input_next_to_the_field_and_writes_nothing(
    app, client, make_user, values, field, message
):
    make_user(email=NEW_EMAIL)
    before = user_count(app)
    email = values.get("email", "other@example.jp")
    response = register(client, **{**values, "email": email})
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', source)
    assert error and message in error.group(1), source[:3000]
    assert user_count(app) == before
    assert whoami(client) is None


def test_hostile_display_name_is_escaped_on_the_profile_page(client):
    hostile = '<script>alert("x")</script>'
    register(client, display_name=hostile)
    source = client.get("/me").get_data(as_text=True)
    assert "<script>alert" not in source
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in source


def test_logged_in_user_is_sent_on_from_login_and_register(client, make_user):
    logged_in(client, make_user())
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/register").headers["Location"] == "/me"


# --- logging in --------------------------------------------------------------------------------


def test_login_logs_in_and_records_the_time(app, client, make_user):
    user = make_user(display_name="太郎", email="Taro@Example.jp")
    response = login(client, "taro@EXAMPLE.jp")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert whoami(client) == "太郎"
    last = reload(app, user).last_login_at
    assert last is not None and datetime.now(UTC) - last < timedelta(minutes=1)


def test_session_carries_the_session_token_never_the_id(client, make_user):
    user = make_user()
    logged_in(client, user)
    with client.session_transaction() as session:
        assert session["_user_id"] == user.session_token
        assert str(user.id) not in session.values()


def test_a_session_holding_a_numeric_id_is_not_logged_in(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    assert whoami(client) is None


def failed_login(client, email, password):
    response = login(client, email, password, headers=EN)
    source = response.get_data(as_text=True)
    source = source.replace(csrf_token_from(source), "TOKEN")
    source = re.sub(r'nonce-[^\']+\'|nonce="[^"]+"', "NONCE", source)
    return response, source.replace(email, "EMAIL")


def test_unknown_email_and_wrong_password_get_identical_answers(app, make_user, monkeypatch):
    """Same status, same page, same argon2 work: nothing tells whether the account exists.
    (Each attempt from a new browser, so that both start from the same session state.)"""
    make_user(email="taro@example.jp")
    verified = []
    real_verify = services.verify_password

    def spy(stored, password):
        verified.append(stored)
        return real_verify(stored, password)

    monkeypatch.setattr(services, "verify_password", spy)
    unknown, unknown_page = failed_login(app.test_client(), "nobody@example.jp", PASSWORD)
    wrong_client = app.test_client()
    wrong, wrong_page = failed_login(wrong_client, "taro@example.jp", PASSWORD + "x")
    assert unknown.status_code == wrong.status_code == 422
    assert unknown_page == wrong_page
    assert "The email address or the password is wrong." in wrong_page
    assert sorted(unknown.headers.keys()) == sorted(wrong.headers.keys())
    assert len(verified) == 2
    params = {stored.split("$")[3] for stored in verified}
    assert params == {"m=19456,t=2,p=1"}
    assert whoami(wrong_client) is None


@pytest.mark.parametrize(
    "password", ["", "x" * 10_000, PASSWORD + "\x00", PASSWORD.upper()], ids=range(4)
)
def test_login_with_an_impossible_or_wrong_password_fails_politely(client, make_user, password):
    user = make_user()
    response = login(client, user.email, password, headers=EN)
    assert response.status_code == 422
    assert whoami(client) is None


def test_login_renews_a_hash_made_with_weaker_parameters(app, client, make_user):
    user = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.execute(
            text("UPDATE users SET password_hash = :h WHERE id = :id"), {"h": weak, "id": user.id}
        )
        db.session.commit()
    logged_in(client, user)
    stored = reload(app, user).password_hash
    assert stored != weak and "m=19456,t=2,p=1" in stored
    assert verify_password(stored, PASSWORD)


def test_pages_for_members_send_visitors_to_login_and_back(client, make_user):
    user = make_user()
    response = client.get("/me/password", headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fme%2Fpassword"
    data = {"csrf_token": page_token(client), "email": user.email, "password": PASSWORD}
    response = client.post("/login?next=%2Fme%2Fpassword", data=data)
    assert response.headers["Location"] == "/me/password"


def test_api_requests_that_need_a_login_get_401_problem_json(app):
    with app.test_request_context("/api/collections/places/items"):
        response = login_manager.unauthorized()
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401


@pytest.mark.parametrize("target", OPEN_REDIRECTS, ids=range(len(OPEN_REDIRECTS)))
def test_login_only_redirects_within_the_site(client, make_user, target):
    user = make_user()
    data = {"csrf_token": page_token(client), "email": user.email, "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    location = response.headers["Location"]
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip("\x00 ")
    parts = urlsplit(seen)
    assert not parts.scheme and not parts.netloc, location
    assert seen.startswith("/") and not seen.startswith("//"), location
    assert all("\n" not in v and "\r" not in v for _k, v in response.headers.items())


# --- remember me, logging out ------------------------------------------------------------------


def test_remember_me_cookie_only_when_asked_and_for_at_most_30_days(client, make_user):
    user = make_user()
    plain = login(client, user.email)
    assert cookie_attributes(plain, "remember_token") is None
    client.post("/logout", data={"csrf_token": page_token(client, "/me")})
    remembered = login(client, user.email, remember=True)
    cookie = cookie_attributes(remembered, "remember_token")
    assert cookie is not None and "httponly" in cookie
    assert cookie["samesite"].lower() == "lax"
    expires = parsedate_to_datetime(cookie["expires"])
    lifetime = expires - datetime.now(UTC)
    assert timedelta(days=29) < lifetime <= timedelta(days=30)
    if "max-age" in cookie:
        assert int(cookie["max-age"]) <= 30 * 24 * 3600


def test_remember_me_cookie_logs_in_a_fresh_browser(client, app, make_user):
    user = make_user(display_name="覚えている人")
    login(client, user.email, remember=True)
    other = app.test_client()
    other.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert whoami(other) == "覚えている人"


def test_logout_ends_the_session_and_forgets_the_remember_me_cookie(client, make_user):
    user = make_user()
    login(client, user.email, remember=True)
    token = page_token(client, "/me")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert cookie_attributes(response, "remember_token")["expires"].startswith("Thu, 01 Jan 1970")
    assert client.get_cookie("remember_token") is None
    assert whoami(client) is None


def test_remember_me_duration_over_30_days_is_a_configuration_error(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with pytest.raises(ConfigError):
        create_app(config_for(url) | {"REMEMBER_COOKIE_DURATION": timedelta(days=31)})


def test_cookies_are_secure_under_https(app, make_user, monkeypatch):
    monkeypatch.setenv("HIROBA_HTTPS", "1")
    secure_app = create_app(config_for(app.config["SQLALCHEMY_DATABASE_URI"]))
    try:
        user = make_user()
        client = secure_app.test_client()
        https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
        response = login(client, user.email, remember=True, **https)
        assert response.status_code == 302
        for name in ("session", "remember_token"):
            cookie = cookie_attributes(response, name)
            assert cookie is not None, name
            assert {"secure", "httponly"} <= set(cookie), name
            assert cookie["samesite"].lower() == "lax", name
    finally:
        with secure_app.app_context():
            db.engine.dispose()
