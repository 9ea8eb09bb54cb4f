"""Logging in and registering are rate-limited per client IP address, with a friendly 429 page.

Limits are off in the other tests; here a second app on the same test database turns them on.
The limiter is one object shared by every app of the process, so the fixture puts it back off.
"""

from __future__ import annotations

import re

import pytest

from hiroba import create_app
from hiroba.accounts.views import LOGIN_LIMITS, REGISTER_LIMITS
from hiroba.extensions import db, limiter
from tests.auth_helpers import page_token
from tests.conftest import config_for
from tests.factories import PASSWORD

LOGIN_PER_MINUTE = int(LOGIN_LIMITS.split()[0])
REGISTER_PER_MINUTE = int(REGISTER_LIMITS.split()[0])


@pytest.fixture
def limited_app(app):
    saved = limiter.enabled, limiter.initialized
    limited = create_app(
        config_for(app.config["SQLALCHEMY_DATABASE_URI"]) | {"RATELIMIT_ENABLED": True}
    )
    try:
        yield limited
    finally:
        limiter.reset()
        limiter.enabled, limiter.initialized = saved
        with limited.app_context():
            db.engine.dispose()


def from_ip(ip: str, language: str = "en") -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}, "headers": {"Accept-Language": language}}


def attempt_login(client, ip: str, language: str = "en"):
    data = {"csrf_token": page_token(client, "/login", **from_ip(ip, language))}
    data.update(email="nobody@example.jp", password="wrong password")
    return client.post("/login", data=data, **from_ip(ip, language))


def attempt_register(client, ip: str, n: int):
    data = {"csrf_token": page_token(client, "/register", **from_ip(ip))}
    data.update(email=f"new{n}@example.jp", display_name="新人", password="short", confirm="short")
    return client.post("/register", data=data, **from_ip(ip))


def test_limits_stay_within_the_brief():
    assert LOGIN_LIMITS == "10 per minute; 100 per day"
    assert REGISTER_LIMITS == "5 per minute; 50 per day"


def test_login_is_limited_per_ip_with_a_friendly_page(limited_app, make_user):
    user = make_user()
    client = limited_app.test_client()
    for _ in range(LOGIN_PER_MINUTE):
        assert attempt_login(client, "192.0.2.1").status_code == 422
    refused = attempt_login(client, "192.0.2.1")
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "Please wait a little and try again." in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Even the right password waits: the limit counts attempts, not failures.
    data = {"csrf_token": page_token(client, "/login", **from_ip("192.0.2.1"))}
    data.update(email=user.email, password=PASSWORD)
    assert client.post("/login", data=data, **from_ip("192.0.2.1")).status_code == 429
    # Another address, and reading the form, are not limited.
    assert attempt_login(client, "198.51.100.7").status_code == 422
    assert client.get("/login", **from_ip("192.0.2.1")).status_code == 200


def test_the_429_page_is_in_japanese_by_default(limited_app):
    client = limited_app.test_client()
    ip = "192.0.2.9"
    for _ in range(LOGIN_PER_MINUTE):
        attempt_login(client, ip, language="ja")
    japanese = attempt_login(client, ip, language="ja")
    assert japanese.status_code == 429
    assert re.search(r'<html lang="ja">', japanese.text)
    assert "少し時間をおいてから" in japanese.text


def test_registration_is_limited_per_ip(limited_app):
    client = limited_app.test_client()
    for n in range(REGISTER_PER_MINUTE):
        assert attempt_register(client, "192.0.2.2", n).status_code == 422
    refused = attempt_register(client, "192.0.2.2", 99)
    assert refused.status_code == 429
    assert "Please wait a little and try again." in refused.text
    assert attempt_register(client, "198.51.100.8", 100).status_code == 422


def test_limits_are_off_in_the_main_test_app_afterwards(client):
    for _ in range(LOGIN_PER_MINUTE + 2):
        assert attempt_login(client, "192.0.2.3").status_code == 422
