"""Importing 公共施設一覧 files: every record validated, matched by (code, ID), then created,
updated or left alone. Flushes only: the command commits the whole file or nothing.

Who may import: staff, for records in their wards, and administrators. New places belong to
the importer and go to review (pending) like any listing, so that another reviewer of the
ward publishes them.

``approve`` (administrators only) publishes new places at once. This waives the four-eyes
rule — nobody approves their own listing — on purpose: the records are official data the
municipality has already published, and the review history says so in each approval's reason.

A record whose values changed updates its place directly, also a published one: an import by
staff or an administrator is an administrative act, not a resident's proposal waiting for
review. For published places the change is kept as an approved revision with the reason
「オープンデータの取り込み」. A record that changed nothing writes nothing, so importing the
same file again is a no-op. A place keeps its status (one rejected or archived since stays so);
with ``approve``, those an earlier import left in draft or pending are published.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hiroba.accounts.models import User
from hiroba.database import guarded_write
from hiroba.districts.queries import district_at
from hiroba.errors import (
    EditConflict,
    HirobaError,
    OutsideDistricts,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db
from hiroba.opendata.reading import Table
from hiroba.opendata.rows import Converted, Labels, RowReader
from hiroba.permissions import can_use_staff_pages, is_admin, is_staff_of
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.services import REFUSALS, apply_values, create_place
from hiroba.places.validation import clean_place_values
from hiroba.places.values import differences, raw_from_clean, raw_from_place
from hiroba.review import services as review
from hiroba.review.models import ReviewAction

# Stored as written, like every reason in the review history.
IMPORT_REASON = "オープンデータの取り込み"
APPROVAL_REASON = (
    "オープンデータの取り込みにより公開（自治体が公開している公式データのため、"
    "登録者以外による確認を省略）"
)
OUTCOMES = ("created", "updated", "unchanged", "failed")


@dataclass(frozen=True)
class RowIssue:
    """What is wrong (or noteworthy) in one record: its line, the file's column, a message."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}"


@dataclass
class ImportReport:
    counts: Counter = field(default_factory=lambda: Counter(dict.fromkeys(OUTCOMES, 0)))
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.counts["failed"]


def check_importer(actor: User, approve: bool) -> None:
    """Staff and administrators import; only administrators publish directly."""
    if not can_use_staff_pages(actor):
        raise PermissionDenied(_l("Only staff and administrators can import places."))
    if approve and not is_admin(actor):
        raise PermissionDenied(_l("Only administrators can publish imported places directly."))


def import_places(table: Table, actor: User, approve: bool = False) -> ImportReport:
    """Create, update or leave alone the place of every record of ``table``; see the module."""
    check_importer(actor, approve)
    reader = RowReader(Labels())
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        converted = reader.convert(row)
        outcome = _import_row(converted, actor, approve, seen)
        report.counts[outcome] += 1
        for column, message in converted.errors.items():
            report.errors.append(RowIssue(row.line, table.header(column), str(message)))
        for column, message in converted.warnings:
            report.warnings.append(RowIssue(row.line, table.header(column), str(message)))
    return report


def _checked_values(converted: Converted, actor: User, seen: dict) -> dict[str, Any] | None:
    """Cleaned values, or None with every problem of the record in ``converted.errors``."""
    values = None
    try:
        values = clean_place_values(converted.raw)
    except ValidationFailed as error:
        converted.add_field_errors(error.errors)
    if converted.key is not None:
        if converted.key in seen:
            converted.fail(
                "ID", _l("The same code and ID are on line %(line)d.", line=seen[converted.key])
            )
        seen.setdefault(converted.key, converted.line)
    if values is not None:
        location = converted.columns["location"]
        district = district_at(values["location"])
        if district is None:
            converted.fail(location, OutsideDistricts().errors["location"])
        elif not is_staff_of(actor, district.code):
            converted.fail(location, not_your_ward(district.name_ja))
    return None if converted.errors else values


def not_your_ward(ward: str):
    return _l("This point is in %(ward)s, which is not one of your wards.", ward=ward)


def _import_row(converted: Converted, actor: User, approve: bool, seen: dict) -> str:
    values = _checked_values(converted, actor, seen)
    if values is None:
        return "failed"
    code, ident = converted.key
    place = db.session.scalar(
        select(Place).where(Place.external_code == code, Place.external_id == ident)
    )
    if place is not None and not is_staff_of(actor, place.district_code):
        converted.fail(converted.columns["location"], not_your_ward(place.district.name_ja))
        return "failed"
    try:
        # A refusal (the database's own district check, a race) undoes this record only.
        with db.session.begin_nested():
            return _write(place, converted, values, actor, approve)
    except ValidationFailed as error:
        converted.add_field_errors(error.errors)
    except HirobaError as error:
        converted.fail("ID", error.detail or error.title)
    return "failed"


def _write(
    place: Place | None, converted: Converted, values: dict[str, Any], actor: User, approve: bool
) -> str:
    if place is None:
        place = create_place(actor, converted.raw)
        # Two imports of one file at the same time: the unique key decides which creates it.
        with guarded_write({"uq_places_external_key": EditConflict}):
            place.external_code, place.external_id = converted.key
        if approve:
            publish_as_official(place, actor)
        else:
            review.submit(place, actor)
        return "created"
    changed = bool(differences(raw_from_place(place), raw_from_clean(values)))
    if changed:
        update_from_open_data(place, values, actor)
    published = approve and place.status in (PlaceStatus.DRAFT, PlaceStatus.PENDING)
    if published:
        publish_as_official(place, actor)
    return "updated" if changed or published else "unchanged"


def update_from_open_data(place: Place, values: dict[str, Any], actor: User) -> None:
    """Apply imported values; a published place keeps them as an approved revision."""
    with guarded_write(REFUSALS):
        apply_values(place, values)
    if place.status != PlaceStatus.APPROVED:
        return
    now = datetime.now(UTC)
    revision = PlaceRevision(
        place_id=place.id,
        proposed_by_id=actor.id,
        values=raw_from_clean(values),
        status=RevisionStatus.APPROVED,
        reason=IMPORT_REASON,
        decided_by_id=actor.id,
        decided_at=now,
    )
    with guarded_write(REFUSALS):
        db.session.add(revision)
        place.last_confirmed_at = now
    review.record_event(
        place, actor, ReviewAction.REVISION_APPROVED, place.status, IMPORT_REASON, revision
    )
    db.session.flush()


def publish_as_official(place: Place, actor: User) -> None:
    """Draft or pending → approved by the importer alone (``approve``: administrators only).

    The steps are the workflow's own (draft → pending → approved), each recorded; only the
    rule that a reviewer other than the owner decides is waived, and the reason says why.
    """
    if not is_admin(actor):
        raise PermissionDenied()
    now = datetime.now(UTC)
    steps = [(PlaceStatus.PENDING, None)] if place.status == PlaceStatus.DRAFT else []
    for to_status, reason in [*steps, (PlaceStatus.APPROVED, APPROVAL_REASON)]:
        from_status = place.status
        with guarded_write({}):
            place.status = to_status
            place.submitted_at = place.submitted_at or now
            if to_status == PlaceStatus.APPROVED:
                place.last_confirmed_at = now
        review.record_event(place, actor, from_status=from_status, reason=reason)
    db.session.flush()
