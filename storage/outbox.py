"""Data functions of the outbox: queueing messages and campaigns.

No commits here: the calling service does. The sender's own queries live here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Campaign, OutboxMessage, utcnow

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
