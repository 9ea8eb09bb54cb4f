"""Response security headers and the per-request CSP nonce.

Scripts run only from our own origin or inline with this request's nonce (folium's map script);
nothing loads from another host except map tiles, whose hosts come from the tile settings.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

from hiroba.extensions import db, login_manager


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

    @login_manager.user_loader
    def load_user(user_id: str):
        from hiroba.accounts.models import User

        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
