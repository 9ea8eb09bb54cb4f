"""hiroba: an open registry of まちのひろば for Japanese cities.

Importing this package has no side effects; ``create_app()`` builds and binds everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import pass_context
from werkzeug.middleware.proxy_fix import ProxyFix

from hiroba import config as config_module

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Application factory; ``overrides`` (tests) win over the environment."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(config_module.load(Path(app.instance_path), overrides))
    if app.config["PROXY_HOPS"]:
        # Absolute links (API paging, redirects) must use the public scheme and host.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from hiroba import database, i18n, mail, security
    from hiroba.extensions import babel, csrf, db, limiter, login_manager, migrate
    from hiroba.notifications import services as notifications

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    database.init_app(app)
    mail.init_app(app)
    notifications.init_app(app)
    # Models must be imported for the mappers (and Alembic's metadata) to know every table.
    from hiroba import models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from hiroba.accounts.views import bp as accounts_bp
    from hiroba.activities.api import bp as activities_api_bp
    from hiroba.activities.views import bp as activities_bp
    from hiroba.admin.views import bp as admin_bp
    from hiroba.api.views import bp as api_bp
    from hiroba.core.views import bp as core_bp
    from hiroba.coverage.views import bp as coverage_bp
    from hiroba.districts.views import bp as districts_bp
    from hiroba.freshness.views import bp as freshness_bp
    from hiroba.needs.views import bp as needs_bp
    from hiroba.notifications.views import bp as notifications_bp
    from hiroba.places.owner_views import bp as owner_bp
    from hiroba.places.views import bp as places_bp
    from hiroba.staff.views import bp as staff_bp
    from hiroba.usage.feed_views import bp as usage_feeds_bp
    from hiroba.usage.views import bp as usage_bp

    for blueprint in (core_bp, places_bp, accounts_bp, owner_bp, staff_bp, notifications_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(districts_bp)
    app.register_blueprint(coverage_bp)
    app.register_blueprint(usage_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(usage_feeds_bp)
    app.register_blueprint(freshness_bp)
    app.register_blueprint(activities_bp)
    app.register_blueprint(activities_api_bp, url_prefix="/api")
    app.register_blueprint(needs_bp)


def register_errorhandlers(app: Flask) -> None:
    from hiroba.errors import register_errorhandlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from hiroba import i18n, permissions
    from hiroba.places.vocabulary import label

    app.jinja_env.globals.update(
        label=label,
        current_locale=i18n.current_language,
        languages=i18n.LANGUAGE_NAMES,
        localized=i18n.localized,
        weekday_names=i18n.weekday_names,
        **permissions.PREDICATES,
    )
    app.jinja_env.filters["hhmm"] = i18n.hhmm
    # They depend on the request's language: pass_context keeps Jinja from working them out
    # once, at compile time, for a literal ("「…」"|user_text) in whichever language came first.
    for name in ("lang_attr", "user_text", "japanese_parts"):
        app.jinja_env.filters[name] = _per_request(getattr(i18n, name))
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.finalize = i18n.escape_lazy_text


def _per_request(function):
    @pass_context
    def filter_(_context, value):
        return function(value)

    return filter_


def register_commands(app: Flask) -> None:
    from hiroba.cli import register

    register(app)
