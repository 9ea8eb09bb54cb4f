"""Response security headers, the per-request CSP nonce, and who is logged in.

Scripts run only from our own origin or inline with this request's nonce (folium's map script);
nothing loads from another host except map tiles, whose hosts come from the tile settings.

Sessions and remember-me cookies carry the user's rotating session token, never the id, so that
changing the password or "log out everywhere" revokes every one of them.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, redirect, request
from flask_babel import lazy_gettext as _l
from flask_login import login_url

from hiroba.config import ConfigError
from hiroba.errors import problem_response, wants_problem_json
from hiroba.extensions import login_manager

MAX_REMEMBER = timedelta(days=30)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def tile_origins(app: Flask) -> list[str]:
    origins = []
    for layer in app.config["MAP_TILE_LAYERS"]:
        parts = urlsplit(layer["url"].replace("{s}", "a"))
        origin = f"{parts.scheme}://{parts.netloc}"
        if "{s}" in layer["url"]:
            origin = f"{parts.scheme}://*.{parts.netloc.split('.', 1)[1]}"
        if origin not in origins:
            origins.append(origin)
    return origins


def content_security_policy(nonce: str, tiles: list[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            f"img-src 'self' data: {' '.join(tiles)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    tiles = tile_origins(app)

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        if response.mimetype == "text/html":
            headers.setdefault(
                "Content-Security-Policy", content_security_policy(csp_nonce(), tiles)
            )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    configure_login(app)


def remember_duration(value: object) -> timedelta:
    """The remember-me lifetime: a timedelta (or seconds) of at most 30 days."""
    duration = timedelta(seconds=value) if isinstance(value, int) else value
    if not isinstance(duration, timedelta) or not timedelta(0) < duration <= MAX_REMEMBER:
        raise ConfigError("REMEMBER_COOKIE_DURATION must be more than 0 and at most 30 days")
    return duration


def configure_login(app: Flask) -> None:
    app.config["REMEMBER_COOKIE_DURATION"] = remember_duration(
        app.config.get("REMEMBER_COOKIE_DURATION", MAX_REMEMBER)
    )
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # A session used from another browser (IP address or user agent) is no longer "fresh".
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def load_user(session_token: str):
    """The user a session or remember-me cookie belongs to, by its current session token."""
    from hiroba.accounts.services import user_by_session_token

    return user_by_session_token(session_token)


def unauthorized() -> Response:
    """Not logged in: the API answers 401 problem+json, pages send the visitor to log in."""
    if wants_problem_json():
        return problem_response(
            401, _l("Login required"), _l("Log in to use this resource."), "unauthorized"
        )
    flash(str(login_manager.login_message), login_manager.login_message_category)
    # Coming back after logging in only makes sense for pages, not for a form's POST.
    next_url = request.url if request.method == "GET" else None
    return redirect(login_url(login_manager.login_view, next_url=next_url))
