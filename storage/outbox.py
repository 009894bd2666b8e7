"""Data functions of the outbox: queueing messages and campaigns, and the sender's queries.

No commits here: the calling service (or the sender, bot/delivery.py) does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Campaign,
    DeliveryAttempt,
    OutboxMessage,
    Subscription,
    User,
    utcnow,
)

# Rows per INSERT: well below SQLite's and asyncpg's limits on bound parameters.
INSERT_CHUNK = 500


@dataclass(frozen=True)
class QueuedMessage:
    """One message to queue: the chat, the Bot API call (see `OutboxMessage.payload`), and
    optionally a key that makes queueing it twice a no-op, and the earliest time to send."""

    chat_id: int
    payload: dict[str, Any]
    dedupe_key: str | None = None
    not_before: datetime | None = None


async def create_campaign(
    session: AsyncSession,
    *,
    kind: str,
    event_id: int | None = None,
    created_by: int | None = None,
    report_chat_id: int | None = None,
    report_message_id: int | None = None,
    report_locale: str | None = None,
) -> Campaign:
    """A new campaign. Create it and queue its messages in the same transaction: the sender
    finishes a campaign (and writes its final report) once none of its messages is queued.
    With `report_chat_id` and `report_message_id` (see bot.delivery.open_progress_message)
    the sender edits that message with the campaign's progress, in `report_locale`."""
    campaign = Campaign(
        kind=kind,
        event_id=event_id,
        created_by=created_by,
        report_chat_id=report_chat_id,
        report_message_id=report_message_id,
        report_locale=report_locale,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def enqueue(
    session: AsyncSession,
    messages: Iterable[QueuedMessage],
    *,
    campaign: Campaign | None = None,
    now: datetime | None = None,
) -> int:
    """Queue the messages; ones whose `dedupe_key` is already queued are skipped.
    Returns how many were queued (and adds them to the campaign's total)."""
    moment = now or utcnow()
    rows = [
        {
            "campaign_id": campaign.id if campaign else None,
            "chat_id": message.chat_id,
            "payload": message.payload,
            "dedupe_key": message.dedupe_key,
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": message.not_before or moment,
            "created_at": moment,
        }
        for message in messages
    ]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    queued = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        statement = (
            insert(OutboxMessage)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.id)  # type: ignore[arg-type]
        )
        result = await session.execute(statement)
        queued += len(result.all())
    if campaign is not None and queued:
        await session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id)
            .values(total=Campaign.total + queued)
        )
    return queued


async def count_by_status(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """How many of a campaign's messages are queued, sent, blocked or failed."""
    result = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.campaign_id == campaign_id)
        .group_by(OutboxMessage.status)
    )
    return {status: count for status, count in result.all()}


async def queued_for(session: AsyncSession, chat_id: int) -> Sequence[OutboxMessage]:
    result = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "queued")
        .order_by(OutboxMessage.id)
    )
    return result.scalars().all()


# The sender's queries. One sender runs per database, so claiming is done in its memory:
# `exclude` holds the ids it already has in hand.


@dataclass(frozen=True)
class DueMessage:
    """A queued message the sender is about to try; plain values, no ORM instance."""

    id: int
    chat_id: int
    campaign_id: int | None
    payload: dict[str, Any]
    attempts: int


async def due_messages(
    session: AsyncSession, *, now: datetime, limit: int, exclude: Collection[int] = ()
) -> list[DueMessage]:
    """Up to `limit` queued messages whose time has come, oldest first."""
    statement = (
        select(
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.campaign_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if exclude:
        statement = statement.where(OutboxMessage.id.not_in(list(exclude)))  # type: ignore[union-attr]
    result = await session.execute(statement)
    return [DueMessage(*row) for row in result.all()]


async def next_queued_at(session: AsyncSession) -> datetime | None:
    """When the earliest queued message is due (None: nothing is queued)."""
    result = await session.execute(
        select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "queued")
    )
    return result.scalar_one_or_none()


async def update_messages(session: AsyncSession, changes: Sequence[dict[str, Any]]) -> None:
    """Apply per-row changes, each a dict with the row's `id` and the new column values
    (status, attempts, next_attempt_at, sent_at, telegram_message_id, last_error)."""
    if changes:
        await session.execute(update(OutboxMessage), list(changes))


async def add_attempts(session: AsyncSession, attempts: Sequence[dict[str, Any]]) -> None:
    """Record attempts: dicts of outbox_id, outcome, detail, retry_after and at."""
    if attempts:
        await session.execute(insert(DeliveryAttempt), list(attempts))


async def mark_chat_blocked(session: AsyncSession, chat_id: int, *, now: datetime) -> int:
    """Telegram refused the chat for good (403). A private chat's user is marked blocked and
    their subscription deleted (its kinds and areas go with it); every message still queued
    for the chat is marked 'blocked'. Returns how many queued messages that stopped."""
    if chat_id > 0:
        await session.execute(
            update(User).where(User.telegram_id == chat_id).values(blocked_at=now)
        )
        await session.execute(delete(Subscription).where(Subscription.user_id == chat_id))
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "queued")
        .values(status="blocked", last_error="blocked")
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def unfinished_campaigns(session: AsyncSession) -> Sequence[Campaign]:
    result = await session.execute(
        select(Campaign).where(Campaign.finished_at.is_(None)).order_by(Campaign.id)  # type: ignore[union-attr]
    )
    return result.scalars().all()


async def finish_campaign(session: AsyncSession, campaign_id: int, *, now: datetime) -> None:
    await session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(finished_at=now)
    )


async def attempts_for(session: AsyncSession, outbox_id: int) -> Sequence[DeliveryAttempt]:
    result = await session.execute(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.outbox_id == outbox_id)
        .order_by(DeliveryAttempt.id)  # type: ignore[arg-type]
    )
    return result.scalars().all()
