"""The outbox: campaigns, queued messages and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from storage.models.columns import big_id_column as _big_id
from storage.models.columns import utc_column as _utc_column
from storage.models.columns import utcnow

OUTBOX_STATUSES = ("queued", "sent", "blocked", "failed")


class Campaign(SQLModel, table=True):
    """One mass send (an announcement, reminders, a digest, a broadcast, a cancellation).
    Its progress is shown in `report_chat_id`/`report_message_id`, edited in place."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    event_id: int | None = Field(default=None, foreign_key="events.id", index=True)
    created_by: int | None = Field(default=None, sa_column=_big_id())
    report_chat_id: int | None = Field(default=None, sa_column=_big_id())
    report_message_id: int | None = Field(default=None, sa_column=_big_id())
    report_locale: str | None = Field(default=None, max_length=8)
    total: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be sent, or its outcome.

    `payload` is the Bot API method and its parameters, rendered in the recipient's language
    when queued, e.g. {"method": "sendMessage", "text": ..., "parse_mode": "HTML",
    "reply_markup": {...}}. `dedupe_key` (unique) stops a job that runs twice from queueing
    the same message twice.
    """

    __tablename__ = "outbox"

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    # BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER primary key.
    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    chat_id: int = Field(sa_column=_big_id(nullable=False, index=True))
    payload: dict[str, object] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    dedupe_key: str | None = Field(default=None, max_length=128, unique=True)
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=_utc_column(nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    telegram_message_id: int | None = Field(default=None, sa_column=_big_id())
    last_error: str | None = Field(default=None, max_length=200)


class DeliveryAttempt(SQLModel, table=True):
    """Every attempt to send an outbox message, and how it went.

    `outcome`: 'sent', 'retry_after' (429), 'server_error' (5xx), 'timeout', 'network',
    'blocked' (403), 'bad_request' (400, not retried).
    """

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("outbox.id"), nullable=False, index=True)
    )
    outcome: str = Field(max_length=16)
    detail: str | None = Field(default=None, max_length=200)
    retry_after: float | None = Field(default=None)
    at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
