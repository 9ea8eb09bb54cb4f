"""Accounts: who someone is (email, name), what they may do (role) and where (staff wards)."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Table,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.columns import enum_column
from hiroba.districts.models import District
from hiroba.extensions import db


class Role(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    ADMIN = "admin"


staff_districts = Table(
    "staff_districts",
    db.metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("district_code", ForeignKey("districts.code"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.RESIDENT)
    # What sessions and remember-me cookies carry instead of the id; rotating it (password
    # change, "log out everywhere") signs every one of them out.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    locale: Mapped[str] = mapped_column(String(5), default="ja")  # for emails
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wards: Mapped[list[District]] = relationship(secondary=staff_districts, order_by=District.code)

    def get_id(self) -> str:
        """Flask-Login's identifier: the rotating session token, never the primary key."""
        return self.session_token

    @property
    def ward_codes(self) -> set[str]:
        return {d.code for d in self.wards}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


# Unique regardless of case: Taro@Example.jp and taro@example.jp are one person.
Index("uq_users_email_lower", func.lower(User.email), unique=True)
