"""Every state-changing route refuses a request without a valid CSRF token.

The routes are read from ``app.url_map``, so a route added later is covered without editing
this file; a route whose URL cannot be built from the values below fails loudly here.
"""

from __future__ import annotations

import pytest

from hiroba.accounts.models import Role
from tests.auth_helpers import EN, logged_in, page_token, whoami
from tests.factories import NAKAHARA

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Routes deliberately without CSRF protection (none so far). Each needs a reason here.
EXEMPT: dict[str, str] = {}
FORBIDDEN_TITLE = "Form expired"  # errors.handle_csrf_error, in English


def unsafe_routes(app) -> list[tuple[str, str]]:
    """(endpoint, method) of every rule that accepts a state-changing method."""
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(UNSAFE & (rule.methods or set()))
        if rule.endpoint not in EXEMPT
    )


def build_url(app, endpoint: str, method: str, known: dict[str, object]) -> str:
    """The rule's URL with real ids where this test has them, else 1."""
    (rule,) = [r for r in app.url_map.iter_rules(endpoint) if method in (r.methods or set())]
    values = {name: known.get(name, 1) for name in rule.arguments}
    return app.url_map.bind("localhost").build(endpoint, values, method=method)


@pytest.fixture
def known_ids(make_user, make_place):
    """A logged-in admin who owns a place, and the ids URLs may need."""
    admin = make_user(Role.ADMIN, display_name="管理者")
    place = make_place(owner=admin, status="draft")
    staff = make_user(Role.STAFF, wards=[NAKAHARA])
    return admin, {"place_id": place.id, "user_id": staff.id, "code": "en"}


def test_there_are_state_changing_routes_to_check(app):
    endpoints = {endpoint for endpoint, _method in unsafe_routes(app)}
    assert {"accounts.login", "accounts.logout", "admin.user", "core.set_language"} <= endpoints


@pytest.mark.parametrize("token", [None, "forged"], ids=["no-token", "forged-token"])
def test_every_state_changing_route_refuses_a_request_without_a_valid_token(app, known_ids, token):
    admin, known = known_ids
    client = logged_in(app.test_client(), admin)
    data = {} if token is None else {"csrf_token": "IjAwMDAi.forged.token"}
    accepted = []
    for endpoint, method in unsafe_routes(app):
        url = build_url(app, endpoint, method, known)
        response = client.open(url, method=method, data=data, headers=EN)
        refused = response.status_code == 400 and FORBIDDEN_TITLE in response.text
        if not refused:
            accepted.append((method, url, response.status_code))
    assert accepted == []
    assert whoami(client) == "管理者"  # nothing (log out included) happened


def test_a_token_from_another_session_is_refused(app, known_ids):
    admin, _known = known_ids
    foreign = logged_in(app.test_client(), admin)
    page_token(foreign, "/me")  # this session has a token of its own
    token = page_token(app.test_client(), "/login")
    response = foreign.post("/logout", data={"csrf_token": token}, headers=EN)
    assert response.status_code == 400 and FORBIDDEN_TITLE in response.text
    assert whoami(foreign) == "管理者"


def test_the_api_is_read_only(app):
    writable = [
        (rule.rule, sorted(UNSAFE & (rule.methods or set())))
        for rule in app.url_map.iter_rules()
        if (rule.rule == "/api" or rule.rule.startswith("/api/")) and UNSAFE & rule.methods
    ]
    assert writable == []
    assert any(rule.rule.startswith("/api/") for rule in app.url_map.iter_rules())
