"""People and their rights: users, conversation state, admins, coordinators, chats, audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from storage.models.columns import big_id_column as _big_id
from storage.models.columns import utc_column as _utc_column
from storage.models.columns import utcnow


class User(SQLModel, table=True):
    """A Telegram user who has talked to the bot; only what the features need."""

    __tablename__ = "users"

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    locale: str = Field(max_length=8)
    start_payload: str | None = Field(default=None, max_length=64)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    # Set when Telegram says the user blocked the bot (403); cleared when they write again.
    blocked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class FsmRecord(SQLModel, table=True):
    """One conversation's aiogram FSM state and data, so a restart loses nothing."""

    __tablename__ = "fsm_records"

    key: str = Field(primary_key=True, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# Reference data of the city (areas, neighbourhoods, themes, support, incubators), loaded
# from the city's data file. Names are {locale: name}; rows removed from the file are
# kept inactive so old pitches still point at them.


class PromotedAdmin(SQLModel, table=True):
    """An admin promoted in chat; the ADMIN_IDS of the configuration are admins too."""

    __tablename__ = "admins"

    user_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    granted_by: int | None = Field(default=None, sa_column=_big_id())
    granted_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Coordinator(SQLModel, table=True):
    """A user who coordinates an incubator (one row per incubator)."""

    __tablename__ = "coordinators"

    incubator_code: str = Field(foreign_key="incubators.code", primary_key=True, max_length=24)
    user_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    added_by: int | None = Field(default=None, sa_column=_big_id())
    added_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class IncubatorChat(SQLModel, table=True):
    """The group chat bound to an incubator: its new pitches are brought there."""

    __tablename__ = "incubator_chats"

    incubator_code: str = Field(foreign_key="incubators.code", primary_key=True, max_length=24)
    chat_id: int = Field(sa_column=_big_id(nullable=False, unique=True))
    bound_by: int | None = Field(default=None, sa_column=_big_id())
    bound_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class GroupChat(SQLModel, table=True):
    """A group's chosen language (notices to a group use it)."""

    __tablename__ = "group_chats"

    chat_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    locale: str = Field(max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class AuditEntry(SQLModel, table=True):
    """Who did what to roles, bindings and pitches, and refused attempts."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_column=_big_id(index=True))
    action: str = Field(max_length=32)
    subject: str = Field(default="", max_length=64)
    details: dict[str, object] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
