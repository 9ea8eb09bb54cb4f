"""Logging in through the real login form, for any test that needs a logged-in client."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
EN = {"Accept-Language": "en"}


def csrf_token_from(source: str) -> str:
    """The CSRF token of the first form in an HTML page."""
    match = TOKEN.search(source)
    assert match, "no csrf_token in the page"
    return match.group(1)


def page_token(client, path: str = "/login", **kwargs) -> str:
    """A CSRF token valid for ``client``'s session, scraped from a form on ``path``."""
    response = client.get(path, **kwargs)
    return csrf_token_from(response.get_data(as_text=True))


def login(client, email: str, password: str = PASSWORD, remember: bool = False, **kwargs):
    """Log ``client`` in through /login and return the response (a redirect on success).

    ``kwargs`` go to both requests (``headers``, ``base_url``, ``environ_base``…).
    """
    data = {"csrf_token": page_token(client, "/login", **kwargs), "email": email}
    data["password"] = password
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, **kwargs)


def logged_in(client, user, **kwargs):
    """``client`` logged in as ``user`` (made with the factories' password); returns it."""
    response = login(client, user.email, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def whoami(client) -> str | None:
    """The display name on /me, or None when ``client`` is not logged in."""
    response = client.get("/me", headers=EN)
    if response.status_code != 200:
        return None
    return re.search(r'class="display-name">([^<]*)<', response.get_data(as_text=True)).group(1)
