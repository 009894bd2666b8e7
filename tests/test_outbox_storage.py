"""Queueing into the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import outbox
from storage.models import Campaign, OutboxMessage
from storage.outbox import QueuedMessage


def text(chat_id: int, key: str | None = None) -> QueuedMessage:
    payload = {"method": "sendMessage", "text": f"hej {chat_id}", "parse_mode": "HTML"}
    return QueuedMessage(chat_id=chat_id, payload=payload, dedupe_key=key)


async def test_queueing_twice_with_a_key_queues_once(session: AsyncSession) -> None:
    campaign = await outbox.create_campaign(session, kind="announcement")
    first = await outbox.enqueue(session, [text(1, "a:1"), text(2, "a:2")], campaign=campaign)
    again = await outbox.enqueue(session, [text(1, "a:1"), text(3, "a:3")], campaign=campaign)
    await session.commit()
    assert (first, again) == (2, 1)
    rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert sorted(row.chat_id for row in rows) == [1, 2, 3]
    assert all(row.status == "queued" and row.payload["method"] == "sendMessage" for row in rows)
    stored = await session.get(Campaign, campaign.id)
    await session.refresh(stored)
    assert stored is not None and stored.total == 3
    assert await outbox.count_by_status(session, campaign.id) == {"queued": 3}  # type: ignore[arg-type]


async def test_messages_without_a_key_are_all_queued(session: AsyncSession) -> None:
    assert await outbox.enqueue(session, [text(7), text(7)]) == 2
    await session.commit()
    assert len(await outbox.queued_for(session, 7)) == 2


async def test_many_rows_are_queued_in_chunks(session: AsyncSession) -> None:
    messages = [text(1000 + n, f"bulk:{n}") for n in range(1200)]
    assert await outbox.enqueue(session, messages) == 1200
    await session.commit()
