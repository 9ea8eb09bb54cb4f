"""Health probes and the language switcher."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hiroba.extensions import db
from hiroba.i18n import LANGUAGE_COOKIE
from hiroba.urls import safe_next

bp = Blueprint("core", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/healthz")
def healthz():
    """The process is up (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database answers and its schema is at the newest migration."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_heads()
    except SQLAlchemyError:
        return jsonify(status="unavailable", reason="database unreachable"), 503
    migrate_ext = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate_ext.migrate.get_config())
    heads = set(script.get_heads())
    if set(current) != heads:
        return jsonify(status="unavailable", reason="migrations pending"), 503
    return jsonify(status="ok")


@bp.post("/lang/<code>")
def set_language(code: str):
    """Remember the visitor's language and go back to where they were."""
    target = safe_next(request.form.get("next")) or url_for("places.index")
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=ONE_YEAR,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
        )
    return response
