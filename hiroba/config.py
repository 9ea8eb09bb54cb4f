"""Settings, read from the environment when the application is created.

Every setting has a safe default except the secret key, which has none in production: running
without one is an error, never a silent fallback.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "test")

# Base layers offered on every map. URLs and credits are settings so that a city on a closed
# network can point them at its own tile server.
DEFAULT_TILE_LAYERS = [
    {
        "key": "osm",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        # The credits keep the wording their providers ask for; lang tells screen readers
        # (and readers of the other UI language) which language that wording is in.
        "attribution": '<span lang="en">&copy; <a href="https://www.openstreetmap.org/copyright">'
        "OpenStreetMap</a> contributors</span>",
        "max_zoom": 19,
    },
    {
        "key": "gsi",
        "url": "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png",
        "attribution": '<a href="https://maps.gsi.go.jp/development/ichiran.html" lang="ja">'
        "地理院タイル</a>",
        "max_zoom": 18,
    },
]


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def database_url(raw: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings and select psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    if not raw.startswith("postgresql+psycopg://"):
        raise ConfigError("DATABASE_URL must be a PostgreSQL URL (postgresql://…)")
    return raw


def _secret_key(env: str, instance_path: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set in production")
    # Development: one random key per checkout, kept so that sessions survive restarts.
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration mapping; ``overrides`` (tests) win over the environment."""
    overrides = overrides or {}
    env = overrides.get("HIROBA_ENV") or os.environ.get("HIROBA_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"HIROBA_ENV must be one of {', '.join(ENVIRONMENTS)}")
    raw_url = overrides.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not raw_url:
        raise ConfigError("DATABASE_URL is not set (the README's run command sets one up)")
    https = os.environ.get("HIROBA_HTTPS", "1" if env == "production" else "0") == "1"

    config: dict[str, Any] = {
        "HIROBA_ENV": env,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(raw_url),
        # Pooled connections idle this long are checked before use (database.ping_when_idle).
        "DB_PING_AFTER_IDLE_S": float(os.environ.get("HIROBA_DB_PING_AFTER_IDLE_S", "10")),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_size": int(os.environ.get("HIROBA_DB_POOL_SIZE", "5")),
            "connect_args": {
                # JIT compilation costs a web request far more than it saves (~1 s on a map
                # view); parallel workers cost one more than they save while other requests
                # want the same cores. A bitmap of a common character's places at a million
                # outgrows the default 4 MB and turns lossy: every row of a lossy page is then
                # rechecked by recomputing its grams (1.5 s instead of 30 ms).
                "options": "-c jit=off -c max_parallel_workers_per_gather=0 -c work_mem=32MB",
                # Plan every search with its values: a plan kept for a statement (psycopg
                # prepares one after 5 runs) would serve a box of 10 places and one of 10,000
                # alike, and cannot use the indexes of published places or of a term's grams.
                "prepare_threshold": None,
            },
        },
        "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,  # a form with several photos
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "LANGUAGES": ("ja", "en"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "MAP_CENTER": (35.575, 139.62),  # lat, lon: Kawasaki, the demo city
        "MAP_ZOOM": 12,
        "MAP_TILE_LAYERS": DEFAULT_TILE_LAYERS,
        # Reverse proxies in front of the app (X-Forwarded-For/Proto/Host are trusted this deep).
        "PROXY_HOPS": int(os.environ.get("HIROBA_PROXY_HOPS", "0")),
        # Links in emails point here (there is no request to take the host from).
        "PUBLIC_BASE_URL": os.environ.get("HIROBA_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SMTP_HOST": os.environ.get("MAIL_SMTP_HOST"),
        "MAIL_SMTP_PORT": int(os.environ.get("MAIL_SMTP_PORT", "587")),
        "MAIL_SMTP_USERNAME": os.environ.get("MAIL_SMTP_USERNAME"),
        "MAIL_SMTP_PASSWORD": os.environ.get("MAIL_SMTP_PASSWORD"),
        "MAIL_SMTP_STARTTLS": os.environ.get("MAIL_SMTP_STARTTLS", "1") == "1",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "hiroba <no-reply@hiroba.example>"),
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PHOTO_MAX_BYTES": 8 * 1024 * 1024,
        "PHOTO_MAX_PER_PLACE": 8,
        "API_DEFAULT_LIMIT": 50,
        "API_MAX_LIMIT": 1000,
        # Keeping listings fresh (flask --app hiroba freshness): the owner is reminded when a
        # listing has not been confirmed for this many days, and it is hidden from the public
        # when still unconfirmed after the second number (the difference is the grace period).
        "FRESHNESS_REMIND_AFTER_DAYS": int(os.environ.get("HIROBA_REMIND_AFTER_DAYS", "180")),
        "FRESHNESS_HIDE_AFTER_DAYS": int(os.environ.get("HIROBA_HIDE_AFTER_DAYS", "240")),
        # How long the "still accurate" link in a reminder email works.
        "FRESHNESS_LINK_MAX_AGE_DAYS": 90,
    }
    config.update(overrides)
    return config
