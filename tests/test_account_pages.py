"""The user's own pages: profile, password change and "log out everywhere" (revocation)."""

from __future__ import annotations

import re

import pytest

from hiroba.accounts.models import User
from hiroba.accounts.passwords import verify_password
from hiroba.extensions import db
from tests.auth_helpers import EN, logged_in, login, page_token, whoami
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase 42"


def reload(app, user) -> User:
    with app.app_context():
        return db.session.get(User, user.id)


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST to ``path`` with a CSRF token of this client's session (taken from /me)."""
    data = {"csrf_token": page_token(client, "/me"), **(data or {})}
    return client.post(path, data=data, headers=EN, **kwargs)


def error_of(response, field: str) -> str:
    source = response.get_data(as_text=True)
    match = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', source)
    assert match, f"no error for {field}"
    return match.group(1)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/login", ["email", "password", "remember"]),
        ("/register", ["email", "display_name", "password", "confirm"]),
    ],
)
def test_login_and_register_pages_label_every_field(client, path, fields):
    response = client.get(path)
    assert response.status_code == 200
    source = response.get_data(as_text=True)
    assert '<html lang="ja">' in source
    for name in fields:
        assert re.search(rf'<input[^>]* id="{name}"', source), name
        labelled = rf'for="{name}"|<label class="check"><input[^>]* id="{name}"'
        assert re.search(labelled, source), name


@pytest.mark.parametrize("path", ["/me", "/me/password"])
def test_account_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- profile -----------------------------------------------------------------------------------


def test_profile_shows_the_account_and_saves_name_and_language(app, client, make_user):
    user = make_user(display_name="花子", email="hanako@example.jp")
    logged_in(client, user)
    source = client.get("/me", headers=EN).get_data(as_text=True)
    assert "hanako@example.jp" in source and "Resident" in source
    assert 'action="/me/logout-everywhere"' in source and 'action="/logout"' in source
    response = post(client, "/me", {"display_name": " はなこ ", "locale": "en"})
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    stored = reload(app, user)
    assert (stored.display_name, stored.locale) == ("はなこ", "en")
    assert whoami(client) == "はなこ"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"display_name": "名" * 10_000}, "display_name", "at most 60"),
        ({"display_name": "   "}, "display_name", "display name"),
        ({"display_name": "花\x00子"}, "display_name", "not allowed"),
        ({"locale": "fr"}, "locale", "Not a valid choice"),
        ({"locale": ""}, "locale", ""),
    ],
    ids=["10kb", "blank", "nul", "unknown-language", "no-language"],
)
def test_profile_refuses_bad_values_and_saves_nothing(
    app, client, make_user, values, field, message
):
    user = make_user(display_name="花子")
    logged_in(client, user)
    response = post(client, "/me", {"display_name": "新しい名前", "locale": "ja", **values})
    assert response.status_code == 422
    if field == "locale":
        assert re.search(r'<p class="error" role="alert">[^<]*' + message, response.text)
    else:
        assert message in error_of(response, field)
    stored = reload(app, user)
    assert (stored.display_name, stored.locale) == ("花子", "ja")


def test_hostile_display_name_is_escaped_after_editing(client, make_user):
    logged_in(client, make_user())
    post(client, "/me", {"display_name": "<img src=x onerror=alert(1)>", "locale": "ja"})
    source = client.get("/me").get_data(as_text=True)
    assert "<img src=x" not in source
    assert "&lt;img src=x onerror=alert(1)&gt;" in source


# --- password ----------------------------------------------------------------------------------


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    data = {"current_password": current, "new_password": new, "confirm": confirm or new}
    return post(client, "/me/password", data)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"current": "not my password"}, "current_password", "wrong"),
        ({"new": "short"}, "new_password", "at least 10"),
        ({"confirm": NEW_PASSWORD + "!"}, "confirm", "not the same"),
        ({"new": "x" * 10_000}, "new_password", "too long"),
    ],
    ids=["wrong-current", "short", "mismatch", "10kb"],
)
def test_password_change_refuses_bad_input_and_changes_nothing(
    app, client, make_user, values, field, message
):
    user = make_user()
    logged_in(client, user)
    response = change_password(client, **values)
    assert response.status_code == 422
    assert message in error_of(response, field)
    stored = reload(app, user)
    assert stored.session_token == user.session_token
    assert verify_password(stored.password_hash, PASSWORD)
    assert whoami(client) is not None


def test_password_change_logs_out_other_sessions_but_keeps_this_one(app, client, make_user):
    user = make_user(display_name="利用者A")
    other = logged_in(app.test_client(), user)
    logged_in(client, user)
    assert whoami(other) == "利用者A"

    response = change_password(client)
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert whoami(client) == "利用者A"
    assert whoami(other) is None
    stored = reload(app, user)
    assert stored.session_token != user.session_token
    assert verify_password(stored.password_hash, NEW_PASSWORD)
    assert login(app.test_client(), user.email, PASSWORD).status_code == 422
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_password_change_renews_this_browsers_remember_me_cookie(app, client, make_user):
    user = make_user(display_name="覚えている人")
    login(client, user.email, remember=True)
    old_cookie = client.get_cookie("remember_token").value
    change_password(client)
    new_cookie = client.get_cookie("remember_token").value
    assert new_cookie != old_cookie
    for value, expected in ((old_cookie, None), (new_cookie, "覚えている人")):
        browser = app.test_client()
        browser.set_cookie("remember_token", value)
        assert whoami(browser) == expected


# --- log out everywhere ------------------------------------------------------------------------


def test_logout_everywhere_revokes_remember_me_cookies_and_other_sessions(app, make_user):
    user = make_user(display_name="利用者B")
    a = app.test_client()
    login(a, user.email, remember=True)
    b = app.test_client()
    b.set_cookie("remember_token", a.get_cookie("remember_token").value)
    c = logged_in(app.test_client(), user)
    assert whoami(b) == "利用者B" and whoami(c) == "利用者B"

    response = post(a, "/me/logout-everywhere")
    assert response.status_code == 302
    assert whoami(b) is None
    assert whoami(c) is None
    fresh = app.test_client()  # the copied cookie alone, without B's session
    fresh.set_cookie("remember_token", b.get_cookie("remember_token").value)
    assert whoami(fresh) is None
    assert whoami(a) == "利用者B"  # the browser that asked stays logged in
    assert reload(app, user).session_token != user.session_token


def test_logout_everywhere_is_post_only(client, make_user):
    logged_in(client, make_user())
    assert client.get("/me/logout-everywhere").status_code == 405
