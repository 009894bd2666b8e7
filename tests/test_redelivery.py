"""Updates handled once: the claims and marks in the database and in Redis, and the outer
middleware that takes an update, skips one handled before and gives back a failed one."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.redelivery import (
    CLAIM_LEASE,
    KEEP_MARKS,
    Claim,
    DatabaseLedger,
    HandleOnce,
    ProcessLedger,
    RedisLedger,
    UpdateLedger,
)
from playground.emulator import TelegramEmulator
from storage import updates as stored_updates
from storage.models import HandledUpdate, PitchDraft, utcnow
from tests.conftest import RunningBot

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture(params=["table", "process", "redis"])
async def ledger(
    request: pytest.FixtureRequest, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[UpdateLedger]:
    """Claims in the table (PostgreSQL in production), in the process with marks in the
    table (SQLite), or in Redis."""
    if request.param == "table":
        yield DatabaseLedger(sessionmaker)
        return
    if request.param == "process":
        yield ProcessLedger(sessionmaker)
        return
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set; Redis runs in CI")
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    # A bot id of its own: the test database of Redis is shared, and keys live a day.
    bot_id = uuid.uuid4().int % 10**12
    try:
        yield RedisLedger(redis, bot_id=bot_id)
    finally:
        keys = [key async for key in redis.scan_iter(f"tillsammans:update:{bot_id}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_claim_mark_and_release(ledger: UpdateLedger) -> None:
    assert await ledger.claim(7) is Claim.TAKEN
    assert await ledger.claim(7) is Claim.BUSY
    await ledger.release(7)
    assert await ledger.claim(7) is Claim.TAKEN
    await ledger.mark_handled(7)
    assert await ledger.claim(7) is Claim.HANDLED
    await ledger.release(7)  # a mark is never given back
    assert await ledger.claim(7) is Claim.HANDLED
    assert await ledger.claim(8) is Claim.TAKEN


async def test_of_many_claims_at_once_one_takes_the_update(ledger: UpdateLedger) -> None:
    claims = await asyncio.gather(*(ledger.claim(99) for _ in range(8)))
    assert claims.count(Claim.TAKEN) == 1
    assert claims.count(Claim.BUSY) == 7


async def test_marks_finishing_together_are_all_kept(ledger: UpdateLedger) -> None:
    ids = list(range(200, 230))
    assert await asyncio.gather(*(ledger.claim(i) for i in ids)) == [Claim.TAKEN] * len(ids)
    await asyncio.gather(*(ledger.mark_handled(i) for i in ids))
    assert await asyncio.gather(*(ledger.claim(i) for i in ids)) == [Claim.HANDLED] * len(ids)


async def test_a_claim_left_by_a_stopped_process_expires(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    async with sessionmaker.begin() as session:
        assert await stored_updates.claim_update(
            session, update_id=5, now=now - CLAIM_LEASE * 2, stale_before=now - CLAIM_LEASE * 3
        )
    ledger = DatabaseLedger(sessionmaker)
    assert await ledger.claim(5) is Claim.TAKEN
    assert await ledger.claim(5) is Claim.BUSY


async def test_marks_older_than_a_day_are_pruned(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    async with sessionmaker.begin() as session:
        for update_id, age in ((1, KEEP_MARKS + timedelta(hours=1)), (2, timedelta(hours=1))):
            taken = now - age
            await stored_updates.claim_update(
                session, update_id=update_id, now=taken, stale_before=taken
            )
            await stored_updates.mark_handled(session, update_id=update_id, now=taken)
    await DatabaseLedger(sessionmaker).mark_handled(3)  # the first mark of a process prunes
    async with sessionmaker() as session:
        kept = (await session.execute(select(HandledUpdate.update_id))).scalars().all()
    assert sorted(kept) == [2]


def update_of(update_id: int) -> Update:
    return Update.model_validate({"update_id": update_id})


async def test_the_middleware_handles_an_update_once(ledger: UpdateLedger) -> None:
    handled: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> str:
        handled.append(event.update_id)
        return "done"

    once = HandleOnce(ledger)
    assert await once(handler, update_of(10), {}) == "done"
    assert await once(handler, update_of(10), {}) is None
    assert handled == [10]


async def test_a_failed_or_cut_off_update_is_handled_when_sent_again(
    ledger: UpdateLedger,
) -> None:
    attempts: list[str] = []

    async def failing(event: Any, data: dict[str, Any]) -> None:
        attempts.append("failed")
        raise RuntimeError("the database went away")

    started = asyncio.Event()

    async def endless(event: Any, data: dict[str, Any]) -> None:
        attempts.append("cut off")
        started.set()
        await asyncio.Event().wait()

    async def working(event: Any, data: dict[str, Any]) -> None:
        attempts.append("handled")

    once = HandleOnce(ledger)
    with pytest.raises(RuntimeError):
        await once(failing, update_of(11), {})
    task = asyncio.create_task(once(endless, update_of(11), {}))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await once(working, update_of(11), {})
    await once(working, update_of(11), {})
    assert attempts == ["failed", "cut off", "handled"]


class BusySpy:
    """The ledger, telling when a claim found the update busy."""

    def __init__(self, ledger: UpdateLedger) -> None:
        self.ledger = ledger
        self.found_busy = asyncio.Event()

    async def claim(self, update_id: int) -> Claim:
        claim = await self.ledger.claim(update_id)
        if claim is Claim.BUSY:
            self.found_busy.set()
        return claim

    async def mark_handled(self, update_id: int) -> None:
        await self.ledger.mark_handled(update_id)

    async def release(self, update_id: int) -> None:
        await self.ledger.release(update_id)


async def test_a_copy_arriving_while_the_first_is_handled_waits_for_it(
    ledger: UpdateLedger,
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    async def slow(event: Any, data: dict[str, Any]) -> None:
        started.set()
        await release.wait()
        handled.append("first")

    async def quick(event: Any, data: dict[str, Any]) -> None:
        handled.append("copy")

    spy = BusySpy(ledger)
    once = HandleOnce(spy)
    first = asyncio.create_task(once(slow, update_of(12), {}))
    await started.wait()
    copy = asyncio.create_task(once(quick, update_of(12), {}))
    await spy.found_busy.wait()
    assert not copy.done()  # it waits for the first rather than dropping the update
    release.set()
    assert await asyncio.gather(first, copy) == [None, None]
    assert handled == ["first"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(st.sampled_from(["claim", "mark", "release"]), st.integers(1, 3)),
        max_size=20,
    )
)
@pytest.mark.parametrize("kind", [DatabaseLedger, ProcessLedger])
async def test_the_database_ledgers_follow_the_simple_model(
    sessionmaker: async_sessionmaker[AsyncSession],
    kind: type[DatabaseLedger | ProcessLedger],
    steps: list[tuple[str, int]],
) -> None:
    """Any sequence of claims, marks and releases: the ledger says what a dictionary says."""
    base = uuid.uuid4().int % 10**15 * 10  # fresh ids for each example
    ledger = kind(sessionmaker)
    model: dict[int, str] = {}
    for action, number in steps:
        update_id = base + number
        if action == "claim":
            expected = {None: Claim.TAKEN, "claimed": Claim.BUSY, "handled": Claim.HANDLED}
            assert await ledger.claim(update_id) is expected[model.get(update_id)]
            model.setdefault(update_id, "claimed")
        elif action == "mark" and model.get(update_id) == "claimed":
            await ledger.mark_handled(update_id)
            model[update_id] = "handled"
        elif action == "release":
            await ledger.release(update_id)
            if model.get(update_id) == "claimed":
                del model[update_id]


async def test_a_polled_update_fetched_again_after_a_restart_is_handled_once(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    maja = emulator.user(uuid.uuid4().int % 10**9, first_name="Maja", language_code="sv")
    await maja.send("/pitch")
    assert len(await maja.next_messages(2)) == 2  # the intro and the first question
    first = emulator.updates[-1]["update_id"]
    await maja.send("Cykelverkstad")
    await maja.next_message()
    second = emulator.updates[-1]["update_id"]

    # The process stopped before it confirmed them: the next one fetches both again.
    await running_bot.restart()
    emulator.redeliver(first)
    emulator.redeliver(second)
    await emulator.wait_for(lambda: not emulator.pending_updates)
    await emulator.idle()
    maja.assert_no_new_message()
    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, maja.id)
        marks = (await session.execute(select(HandledUpdate.update_id))).scalars().all()
    assert draft is not None and draft.title == "Cykelverkstad" and draft.step == "need"
    assert {first, second} <= set(marks)
