"""Updates Telegram delivers twice (a webhook answered late, a poll not confirmed before a
restart, two processes behind one proxy) are handled once.

An update is claimed before it is handled (in the database, in Redis, or on SQLite, which
is one process, in memory) and marked handled only when its handling has finished; a
handling that fails or is cut off gives its claim back, so Telegram's next delivery is
handled. A claim that is never given back (the process died) expires after CLAIM_LEASE.
Marks are kept for a day (Telegram keeps an update at most 24 hours)."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import updates as stored_updates
from storage.models import utcnow

logger = logging.getLogger(__name__)

# A webhook request answers within this; Telegram waits about 60 seconds before it re-sends.
HANDLING_BOUND_SECONDS = 50.0
# A claim older than this is of a process that stopped mid-update.
CLAIM_LEASE = timedelta(seconds=90)
KEEP_MARKS = timedelta(hours=24)
PRUNE_EVERY_SECONDS = 600.0
REDIS_PREFIX = "tillsammans:update"


class Claim(enum.Enum):
    TAKEN = "taken"  # this process handles it now
    HANDLED = "handled"  # handled before: skip it
    BUSY = "busy"  # another process (or request) is handling it right now


class UpdateLedger(Protocol):
    """Where claims and marks live: the database, or Redis when REDIS_URL is set."""

    async def claim(self, update_id: int) -> Claim: ...

    async def mark_handled(self, update_id: int) -> None: ...

    async def release(self, update_id: int) -> None: ...


class _Marks:
    """Marks in the table `handled_updates`, pruned by age every few minutes."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._pruned_at = 0.0

    async def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        async with self._sessionmaker.begin() as session:
            pruned = await stored_updates.prune_updates(
                session, claimed_before=utcnow() - KEEP_MARKS
            )
        if pruned:
            logger.info("forgot %s updates handled more than a day ago", pruned)


class DatabaseLedger(_Marks):
    """Claims and marks in the table, for several processes on one PostgreSQL database."""

    async def claim(self, update_id: int) -> Claim:
        now = utcnow()
        async with self._sessionmaker.begin() as session:
            if await stored_updates.claim_update(
                session, update_id=update_id, now=now, stale_before=now - CLAIM_LEASE
            ):
                return Claim.TAKEN
            state = await stored_updates.update_state(session, update_id)
        # Gone between the two statements (its claim was given back): BUSY tries again.
        return Claim.HANDLED if state == "handled" else Claim.BUSY

    async def mark_handled(self, update_id: int) -> None:
        async with self._sessionmaker.begin() as session:
            await stored_updates.mark_handled(session, update_id=update_id, now=utcnow())
        await self._prune_now_and_then()

    async def release(self, update_id: int) -> None:
        async with self._sessionmaker.begin() as session:
            await stored_updates.release_claim(session, update_id=update_id)


class ProcessLedger(_Marks):
    """Claims in this process and marks in the table, for SQLite: one process by design,
    and one writer at a time, so a claim costs a read, and the marks of updates finishing
    together are written in one transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessionmaker)
        self._in_flight: set[int] = set()
        self._to_mark: dict[int, asyncio.Future[None]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def claim(self, update_id: int) -> Claim:
        if update_id in self._in_flight:
            return Claim.BUSY
        self._in_flight.add(update_id)
        try:
            async with self._sessionmaker() as session:
                state = await stored_updates.update_state(session, update_id)
        except BaseException:
            self._in_flight.discard(update_id)
            raise
        if state == "handled":
            self._in_flight.discard(update_id)
            return Claim.HANDLED
        return Claim.TAKEN

    async def mark_handled(self, update_id: int) -> None:
        """Returns once the mark is committed (with those of others finishing meanwhile)."""
        written = self._to_mark.get(update_id)
        if written is None:
            written = asyncio.get_running_loop().create_future()
            self._to_mark[update_id] = written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_marks())
        await written
        await self._prune_now_and_then()

    async def _write_marks(self) -> None:
        while self._to_mark:
            batch, self._to_mark = self._to_mark, {}
            try:
                async with self._sessionmaker.begin() as session:
                    await stored_updates.record_handled(
                        session, update_ids=list(batch), now=utcnow()
                    )
            except Exception as error:
                for written in batch.values():
                    written.set_exception(error)
            else:
                for written in batch.values():
                    written.set_result(None)
            finally:
                self._in_flight.difference_update(batch)

    async def release(self, update_id: int) -> None:
        self._in_flight.discard(update_id)


# Give a claim back only while it is still this process's (not handled, not re-claimed).
_RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLedger:
    """Claims and marks as Redis keys that expire: SET NX for a claim, a day for a mark."""

    def __init__(self, redis: Any, *, bot_id: int) -> None:
        self._redis = redis
        self._prefix = f"{REDIS_PREFIX}:{bot_id}"
        self._token = f"claimed:{id(self)}:{time.time_ns()}"

    def _key(self, update_id: int) -> str:
        return f"{self._prefix}:{update_id}"

    async def claim(self, update_id: int) -> Claim:
        key = self._key(update_id)
        lease = int(CLAIM_LEASE.total_seconds())
        if await self._redis.set(key, self._token, nx=True, ex=lease):
            return Claim.TAKEN
        value = await self._redis.get(key)
        if isinstance(value, bytes):
            value = value.decode()
        if value == "handled":
            return Claim.HANDLED
        return Claim.BUSY

    async def mark_handled(self, update_id: int) -> None:
        await self._redis.set(self._key(update_id), "handled", ex=int(KEEP_MARKS.total_seconds()))

    async def release(self, update_id: int) -> None:
        await self._redis.eval(_RELEASE_SCRIPT, 1, self._key(update_id), self._token)


class HandleOnce(BaseMiddleware):
    """The outermost of our update middlewares: an update already handled is skipped; one
    being handled elsewhere is waited for (at most CLAIM_LEASE), then skipped or taken."""

    def __init__(self, ledger: UpdateLedger) -> None:
        self._ledger = ledger

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        update_id = event.update_id
        if not await self._take(update_id):
            logger.info("update %s was handled already; not again", update_id)
            return None
        try:
            result = await handler(event, data)
        except BaseException:
            # Cut off or failed: a resent copy is handled. Shielded, so a cancel that cut
            # the handling off does not also cut off giving the claim back.
            await asyncio.shield(self._release(update_id))
            raise
        await asyncio.shield(self._mark(update_id))
        return result

    async def _mark(self, update_id: int) -> None:
        try:
            await self._ledger.mark_handled(update_id)
        except Exception:
            # Handled all the same: the claim stays and expires, so a copy sent before then
            # waits for it and is then handled again (rare, and never a lost update).
            logger.exception("could not mark update %s as handled", update_id)

    async def _take(self, update_id: int) -> bool:
        deadline = time.monotonic() + CLAIM_LEASE.total_seconds() + 1
        pause = 0.05
        while True:
            claim = await self._ledger.claim(update_id)
            if claim is Claim.TAKEN:
                return True
            if claim is Claim.HANDLED:
                return False
            if time.monotonic() > deadline:
                msg = f"update {update_id} stays claimed by another process"
                raise TimeoutError(msg)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    async def _release(self, update_id: int) -> None:
        try:
            await self._ledger.release(update_id)
        except Exception:
            logger.exception("could not give back the claim on update %s", update_id)
