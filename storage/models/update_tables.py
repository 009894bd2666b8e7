"""Updates from Telegram this bot has taken, so one delivered twice is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.models.columns import utc_column as _utc_column


class HandledUpdate(SQLModel, table=True):
    """An update being handled (`handled_at` empty) or handled; kept for a day, then pruned.

    A claim older than the handling bound is taken to be of a process that died mid-update,
    so a resent copy may be handled again."""

    __tablename__ = "handled_updates"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    claimed_at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    handled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
