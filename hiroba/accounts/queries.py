"""Queries over accounts, each returning a composable ``Select``."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from hiroba.accounts.models import Role, User
from hiroba.text import has_forbidden_characters


def users_matching(search: str | None = None, role: Role | None = None) -> Select:
    """Users whose email or display name contains ``search``, of ``role``; newest first."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    search = (search or "").strip()
    if search:
        if has_forbidden_characters(search) or len(search) > 254:
            return query.where(false())
        query = query.where(
            or_(
                User.email.icontains(search, autoescape=True),
                User.display_name.icontains(search, autoescape=True),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    return query
