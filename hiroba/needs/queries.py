"""Reading needs: a poster's own, the open ones of staff's wards, and the figures a ward
centre reports (how many needs were solved)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from hiroba.accounts.models import User
from hiroba.extensions import db
from hiroba.needs.models import Need, NeedEvent, NeedEventKind, NeedStatus


def needs_by(user: User) -> Select:
    """The needs ``user`` posted: open ones first, then the newest."""
    return (
        select(Need)
        .where(Need.poster_id == user.id)
        .order_by(case((Need.status == NeedStatus.OPEN, 0), else_=1), Need.created_at.desc(),
                  Need.id.desc())
    )  # fmt: skip


def open_needs_in_wards(codes: frozenset[str] | None) -> Select:
    """Open needs in these wards (None: every ward, for admins), the oldest first: they have
    waited longest."""
    stmt = select(Need).options(joinedload(Need.district)).where(Need.status == NeedStatus.OPEN)
    if codes is not None:
        stmt = stmt.where(Need.district_code.in_(sorted(codes)))
    return stmt.order_by(Need.created_at, Need.id)


def suggested_place_ids(need: Need) -> set[int]:
    """Places already suggested to the poster of ``need``."""
    return set(
        db.session.scalars(
            select(NeedEvent.place_id).where(
                NeedEvent.need_id == need.id, NeedEvent.kind == NeedEventKind.SUGGESTED
            )
        )
    )


@dataclass(frozen=True)
class NeedFigures:
    """What a ward centre reports about needs in its ward."""

    open_now: int
    posted_in_period: int
    solved_in_period: int
    solved_total: int
    since: datetime


def need_figures(code: str, now: datetime, days: int) -> NeedFigures:
    """Open needs now; needs posted and solved in the last ``days``; needs solved ever."""
    since = now - timedelta(days=days)
    solved = Need.status == NeedStatus.SOLVED
    row = db.session.execute(
        select(
            func.count().filter(Need.status == NeedStatus.OPEN),
            func.count().filter(Need.created_at >= since),
            func.count().filter(solved, Need.closed_at >= since),
            func.count().filter(solved),
        ).where(Need.district_code == code)
    ).one()
    return NeedFigures(*row, since=since)
