"""Command-line entry points (``flask --app hiroba …``): thin, idempotent, calling services."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from hiroba.accounts.models import Role
from hiroba.accounts.services import create_user, find_user_by_email
from hiroba.districts.importing import DistrictFileError, read_districts, read_english_names
from hiroba.districts.services import import_districts
from hiroba.errors import HirobaError, ValidationFailed
from hiroba.extensions import db
from hiroba.opendata.importing import check_importer, import_places
from hiroba.opendata.reading import ENCODINGS, OpenDataFileError, decode, read_table

ADMIN_PASSWORD_ENV = "HIROBA_ADMIN_PASSWORD"


def _fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


@click.command("seed")
@with_appcontext
@click.option(
    "--directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Seed directory (default: the repository's seeds/).",
)
def seed_command(directory: Path | None) -> None:
    """Load the demo wards, accounts and places (running it again changes nothing)."""
    from hiroba.seeding import SEEDS, load_all

    if current_app.config["HIROBA_ENV"] == "production":
        _fail(
            "The demo seeds hold public passwords and are not loaded in production. "
            "Load real wards with import-districts."
        )
    try:
        counts = load_all(directory or SEEDS)
    except HirobaError as error:
        _fail(str(error))
    db.session.commit()
    for key in sorted(counts):
        click.echo(f"{key}: {counts[key]}")


@click.command("import-districts")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--code",
    "codes",
    multiple=True,
    help="Only this 5- or 6-digit code (repeatable; default: every district).",
)
@click.option(
    "--names",
    "names_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with code6/code5 and name_en columns for English names.",
)
def import_districts_command(path: Path, codes: tuple[str, ...], names_csv: Path | None) -> None:
    """Load district boundaries from 国土数値情報 N03 GeoJSON (or a hiroba district file)."""
    try:
        names = read_english_names(names_csv) if names_csv else {}
        outcomes = import_districts(read_districts(path, codes, names))
    except (DistrictFileError, ValueError) as error:
        _fail(str(error))
    except HirobaError as error:
        _fail(str(error.detail or error.title))
    db.session.commit()
    for code, outcome in sorted(outcomes.items()):
        click.echo(f"{code} {outcome}")


@click.command("send-notifications")
@with_appcontext
def send_notifications_command() -> None:
    """Email notifications not sent yet (safe to run from cron; each is sent at most once)."""
    from hiroba.notifications.services import deliver

    click.echo(f"sent: {deliver()}")


@click.command("close-expired-requests")
@with_appcontext
def close_expired_requests_command() -> None:
    """Close usage requests whose time came without an answer, and tell both sides (safe to
    run from cron, e.g. hourly; a request is closed once)."""
    from hiroba.notifications.services import deliver
    from hiroba.usage.services import close_expired

    closed = close_expired()
    db.session.commit()
    click.echo(f"closed: {closed}")
    click.echo(f"sent: {deliver()}")


@click.command("expire-needs")
@with_appcontext
def expire_needs_command() -> None:
    """Close searches for a place whose time ran out, and tell their posters (safe to run from
    cron, e.g. daily; a search expires once)."""
    from hiroba.needs.services import expire_needs
    from hiroba.notifications.services import deliver

    expired = expire_needs()
    db.session.commit()
    click.echo(f"expired: {expired}")
    click.echo(f"sent: {deliver()}")


@click.command("freshness")
@with_appcontext
def freshness_command() -> None:
    """Remind owners of listings not confirmed for a while, and hide those still unconfirmed
    after the grace period (safe to run from cron, e.g. daily; each reminder is sent once)."""
    from datetime import UTC, datetime

    from hiroba.freshness.services import Periods, run
    from hiroba.notifications.services import deliver

    try:
        counts = run(datetime.now(UTC), Periods.from_config())
    except ValueError as error:
        _fail(str(error))
    db.session.commit()
    for key, count in counts.items():
        click.echo(f"{key}: {count}")
    click.echo(f"sent: {deliver()}")


@click.command("create-admin")
@with_appcontext
@click.option("--email", required=True, help="Email address of the administrator.")
@click.option("--name", required=True, help="Display name of the administrator.")
def create_admin_command(email: str, name: str) -> None:
    """Create an administrator account (the password is asked for twice, or read from
    HIROBA_ADMIN_PASSWORD). Nothing changes if this email is already an administrator."""
    existing = find_user_by_email(email)
    if existing is not None:
        if existing.role == Role.ADMIN:
            click.echo(f"{existing.email} is already an administrator; nothing changed.")
            return
        _fail(
            f"An account with the email {existing.email} already exists and is not an "
            "administrator. An administrator can change its role on /admin/users."
        )
    password = os.environ.get(ADMIN_PASSWORD_ENV) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_user(email, name, password, Role.ADMIN)
    except ValidationFailed as error:
        _fail("\n".join(f"{field}: {message}" for field, message in error.errors.items()))
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


def _echo_problems(table, report) -> None:
    """Columns left aside, warnings and row errors (``line N, column: message``), on stderr."""
    if table.not_imported:
        names = ", ".join(table.not_imported)
        click.echo(_("Columns hiroba does not import: %(names)s", names=names), err=True)
    if table.unknown:
        names = ", ".join(table.unknown)
        click.echo(_("Columns not known, ignored: %(names)s", names=names), err=True)
    for issue in report.warnings:
        click.echo(_("warning: %(issue)s", issue=issue), err=True)
    for issue in report.errors:
        click.echo(str(issue), err=True)


@click.command("import-places")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="Email of the staff member or admin importing.")
@click.option("--approve", is_flag=True, help="Publish new places at once (administrators only).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if others fail.")
@click.option(
    "--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True,
    help="auto: a BOM decides, else UTF-8 if the file is valid UTF-8, else CP932.",
)  # fmt: skip
def import_places_command(
    path: Path, email: str, approve: bool, skip_invalid: bool, encoding: str
) -> None:
    """Import places from a 公共施設一覧 CSV file (either generation of the layout).

    Idempotent by (全国地方公共団体コード, ID): importing a file again changes only the places
    whose rows changed. Without --skip-invalid, one bad row means nothing is imported. Exits
    non-zero when any row failed.
    """
    actor = find_user_by_email(email)
    if actor is None:
        _fail(_("There is no account with this email address."))
    try:
        check_importer(actor, approve)
        table = read_table(decode(path.read_bytes(), encoding))
        report = import_places(table, actor, approve=approve)
    except OpenDataFileError as error:
        _fail(str(error))
    except HirobaError as error:
        _fail(str(error.detail or error.title))
    _echo_problems(table, report)
    held_back = report.failed and not skip_invalid
    counts = dict(report.counts)
    if held_back:
        db.session.rollback()
        counts.update(created=0, updated=0)
    else:
        db.session.commit()
    for outcome, count in counts.items():
        click.echo(f"{outcome}: {count}")
    if held_back:
        raise click.ClickException(
            _(
                "Nothing was imported: %(n)d rows have errors. Correct them, or import the "
                "other rows with --skip-invalid.",
                n=report.failed,
            )
        )
    if report.failed:
        raise click.exceptions.Exit(1)


@click.command("synth-places")
@click.argument("count", type=click.IntRange(0, 5_000_000))
@click.option("--remove", is_flag=True, help="Delete the synthetic places instead.")
@with_appcontext
def synth_places_command(count: int, remove: bool) -> None:
    """Add COUNT synthetic places for benchmarks (never in production)."""
    from hiroba.places import synthetic

    if current_app.config["HIROBA_ENV"] == "production":
        _fail("Synthetic places are for benchmarks, not for a real registry.")
    if remove:
        click.echo(f"removed: {synthetic.remove()}")
    else:
        click.echo(f"created: {synthetic.generate(count)}")
    db.session.commit()


def register(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(import_districts_command)
    app.cli.add_command(send_notifications_command)
    app.cli.add_command(close_expired_requests_command)
    app.cli.add_command(freshness_command)
    app.cli.add_command(expire_needs_command)
    app.cli.add_command(synth_places_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(import_places_command)
