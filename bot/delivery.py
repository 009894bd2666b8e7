"""The delivery engine: the one sender that drains the outbox within Telegram's limits.

Jobs and broadcasts never send in a loop; they queue one outbox row per recipient
(storage.outbox.enqueue) and this sender delivers them:

- overall at most DELIVERY_RATE messages/s (or PAID_BROADCAST_RATE with paid broadcasts),
  one message/s per private chat and 20 a minute per group;
- a 429 pauses every send for its `retry_after`; 5xx answers, timeouts and network errors are
  retried with exponential backoff up to `max_attempts`, then the row is 'failed'; a 400 is
  'failed' at once; a 403 marks the recipient blocked (User.blocked_at, subscription
  deleted, every message still queued for the chat 'blocked');
- every attempt is a DeliveryAttempt row; a row is 'sent' (with sent_at and the message id)
  as soon as Telegram accepts it, so a restart resumes with what is still queued and never
  sends again what is recorded as sent;
- a campaign with a progress message (see core.outbox_messages.open_progress_message) has
  that message edited every few seconds and a final report when none of its messages is
  queued any more.

Only one sender runs per database: it runs inside a process that takes updates, and only
while that process holds the sender's lock (bot/leadership.py, bot/roles.py), which puts it
in the Dispatcher's workflow data as `sender`. Rows are claimed in its memory, not locked in
the database, so a second sender would send them twice; the lock keeps there from being one.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery_outcomes import DeliveryOptions, Outcome, row_change
from bot.delivery_progress import ProgressReporter
from bot.outbox_methods import PayloadError, build_method
from bot.pacing import MIN_WAIT, Clock, Pacer, RealClock
from core.config import Settings
from storage import outbox
from storage.outbox import DueMessage

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# The sender
# --------------------------------------------------------------------------------------------


@dataclass
class _State:
    heap: list[tuple[float, int, DueMessage]] = field(default_factory=list)
    claimed: set[int] = field(default_factory=set)
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)


class OutboxSender:
    """Drains the outbox. `run()` until `stop()`; `wake()` after queueing; in tests
    `drain_once()` and `run_until_idle()` with an injected clock."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        *,
        options: DeliveryOptions | None = None,
        clock: Clock | None = None,
        default_locale: str = "sv",
        observer: Callable[[str], None] | None = None,
    ) -> None:
        self.bot = bot
        self._observer = observer
        self.options = options or DeliveryOptions()
        self._sessionmaker = sessionmaker
        self._i18n = i18n
        self._clock = clock or RealClock()
        self._default_locale = default_locale
        self._pacer = Pacer(self.options.rate, self._seconds, self._clock.sleep)
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._state = _State()
        self._wake = asyncio.Event()
        self._record_lock = asyncio.Lock()
        self._recorders: set[asyncio.Task[None]] = set()
        self._wakes = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._next_refill = 0.0
        self._next_progress = 0.0
        self._progress = ProgressReporter(
            bot,
            sessionmaker,
            i18n,
            self._pacer,
            self._seconds,
            self._clock.now,
            request_timeout=self.options.request_timeout,
            default_locale=default_locale,
        )

    # -- control ------------------------------------------------------------------------------
    def wake(self) -> None:
        """Look at the outbox now (code that just queued calls this)."""
        self._next_refill = 0.0
        self._wakes += 1
        self._wake.set()

    def start(self) -> asyncio.Task[None]:
        """Run in the background until `stop()`."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="outbox-sender")
        return self._task

    async def stop(self) -> None:
        """Stop taking new rows, let the sends in flight finish and record them."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        """Deliver until stopped. Cancelling it is a crash: sends in flight are dropped
        (their rows stay queued) and what Telegram already accepted is recorded."""
        logger.info("outbox sender started (rate %s/s)", self.options.rate or "unlimited")
        try:
            while not self._stopping:
                try:
                    await self._pump(until_idle=False)
                except Exception:
                    # E.g. the database is briefly unreachable: nothing is lost, try again.
                    logger.exception("the outbox sender failed; it goes on in a moment")
                    await self._nap(5 * self.options.poll_interval)
        finally:
            await self._finish_in_flight(cancel=not self._stopping)
            logger.info("outbox sender stopped")

    async def run_until_idle(self) -> None:
        """Deliver until nothing is queued any more (waiting on the clock for retries), then
        write the campaigns' final reports."""
        try:
            await self._pump(until_idle=True)
        finally:
            await self._finish_in_flight(cancel=True)
        await self._progress.report()

    async def drain_once(self) -> int:
        """Try every message due now (one batch) once, within the limits; returns how many
        were tried. Their outcomes are recorded when it returns."""
        await self._refill()
        tried = 0
        while self._state.heap:
            _ready, _id, message = heapq.heappop(self._state.heap)
            await self._launch(message)
            tried += 1
        await self._finish_in_flight(cancel=False)
        return tried

    # -- the loop -----------------------------------------------------------------------------
    def _seconds(self) -> float:
        return self._clock.now().timestamp()

    async def _pump(self, *, until_idle: bool) -> None:
        state = self._state
        while not self._stopping:
            now = self._seconds()
            if now >= self._next_progress:
                self._next_progress = now + self.options.progress_interval
                await self._progress.report()
                self._pacer.forget_old()
            if len(state.heap) < self.options.batch_size // 2 and now >= self._next_refill:
                wakes = self._wakes
                if not await self._refill() and wakes == self._wakes:
                    self._next_refill = now + self.options.poll_interval
            if not state.heap:
                if until_idle:
                    if self._busy():
                        await self._wait_recorded()
                        continue
                    wait = await self._seconds_until_due()
                    if wait is None:
                        return
                    self._next_refill = 0.0
                    await self._clock.sleep(max(wait, 0.0))
                    continue
                await self._nap(self.options.poll_interval)
                continue
            ready, _id, message = state.heap[0]
            ready = max(ready, self._pacer.ready_at(now=now))
            if ready > now:
                await self._nap(ready - now)
                continue
            heapq.heappop(state.heap)
            chat_ready = self._pacer.chat_ready_at(message.chat_id)
            if chat_ready - now > self.options.park_after:
                await self._park(message, chat_ready)
            elif chat_ready > now:
                heapq.heappush(state.heap, (chat_ready, message.id, message))
            else:
                await self._launch(message)

    async def _refill(self) -> int:
        state = self._state
        async with self._sessionmaker() as session:
            due = await outbox.due_messages(
                session,
                now=self._clock.now(),
                limit=self.options.batch_size,
                exclude=state.claimed,
            )
        now = self._seconds()
        for message in due:
            state.claimed.add(message.id)
            heapq.heappush(state.heap, (now, message.id, message))
        return len(due)

    async def _seconds_until_due(self) -> float | None:
        async with self._sessionmaker() as session:
            moment = await outbox.next_queued_at(session)
        if moment is None:
            return None
        return _as_utc(moment).timestamp() - self._seconds()

    async def _nap(self, seconds: float) -> None:
        """Sleep on the clock, or less when woken or when a send's outcome is recorded."""
        if self._wake.is_set():
            self._wake.clear()
            return
        sleeper = asyncio.ensure_future(self._clock.sleep(max(seconds, MIN_WAIT)))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
        self._wake.clear()

    def _busy(self) -> bool:
        return bool(self._state.in_flight or self._state.outcomes or self._recorders)

    async def _wait_recorded(self) -> None:
        """Wait until a send or a write in progress ends."""
        pending = [*self._state.in_flight, *self._recorders]
        if pending:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        else:
            await asyncio.sleep(0)  # outcomes whose write is about to be scheduled

    async def _park(self, message: DueMessage, until: float) -> None:
        """Put a row back in the outbox until its chat may get it (a busy group)."""
        async with self._sessionmaker() as session:
            await outbox.update_messages(
                session,
                [{"id": message.id, "next_attempt_at": _from_seconds(until)}],
            )
            await session.commit()
        self._state.claimed.discard(message.id)

    # -- sending ------------------------------------------------------------------------------
    async def _launch(self, message: DueMessage) -> None:
        await self._slots.acquire()
        try:
            await self._pacer.take(message.chat_id)
        except BaseException:
            self._slots.release()
            raise
        task = asyncio.create_task(self._send(message, self._clock.now()))
        self._state.in_flight.add(task)
        task.add_done_callback(self._state.in_flight.discard)

    async def _send(self, message: DueMessage, attempted_at: datetime) -> None:
        try:
            result = await self._attempt(message, attempted_at)
        finally:
            self._slots.release()
        if self._observer is not None:
            self._observer(result.outcome)
        self._state.outcomes.append(result)
        asyncio.get_running_loop().call_soon(self._schedule_record)

    async def _attempt(self, message: DueMessage, attempted_at: datetime) -> Outcome:
        def outcome(kind: str, detail: str | None = None, **extra: Any) -> Outcome:
            return Outcome(message, kind, attempted_at, _short(detail), **extra)

        try:
            method = build_method(
                message.chat_id, message.payload, paid_broadcast=self.options.paid_broadcast
            )
            sent = await self.bot(method, request_timeout=self.options.request_timeout)  # type: ignore[arg-type]
        except PayloadError as error:
            return outcome("bad_request", str(error))
        except TelegramRetryAfter as error:
            self._pacer.pause(self._seconds() + error.retry_after)
            return outcome("retry_after", error.message, retry_after=float(error.retry_after))
        except TelegramForbiddenError as error:
            return outcome("blocked", error.message)
        except TelegramServerError as error:
            return outcome("server_error", error.message)
        except TelegramEntityTooLarge as error:
            return outcome("bad_request", error.message)
        except TelegramNetworkError as error:
            kind = "timeout" if "timeout" in error.message.lower() else "network"
            return outcome(kind, error.message)
        except TelegramAPIError as error:
            return outcome("bad_request", f"{type(error).__name__}: {error.message}")
        message_id = getattr(sent, "message_id", None)
        return outcome("sent", telegram_message_id=message_id, finished_at=self._clock.now())

    def _schedule_record(self) -> None:
        if self._state.outcomes:
            task = asyncio.ensure_future(self._record())
            self._recorders.add(task)
            task.add_done_callback(self._recorders.discard)

    async def _record(self) -> None:
        """Write the outcomes gathered so far in one transaction."""
        async with self._record_lock:
            batch, self._state.outcomes = self._state.outcomes, []
            if not batch:
                return
            try:
                await asyncio.shield(self._write(batch))
            except Exception:
                # Kept in hand and written with the next outcomes: a send recorded late is
                # still never sent twice, as its row stays claimed until then.
                logger.exception("could not record %s delivery outcomes", len(batch))
                self._state.outcomes[:0] = batch
                asyncio.get_running_loop().call_later(1.0, self._schedule_record)
                return
            for result in batch:
                self._state.claimed.discard(result.message.id)
            self._wake.set()

    async def _write(self, batch: list[Outcome]) -> None:
        now = self._clock.now()
        attempts: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        blocked: set[int] = set()
        for result in batch:
            message = result.message
            attempts.append(
                {
                    "outbox_id": message.id,
                    "outcome": result.outcome,
                    "detail": result.detail,
                    "retry_after": result.retry_after,
                    "at": result.attempted_at,
                }
            )
            changes.append(row_change(result, now, self.options))
            if result.outcome == "blocked":
                blocked.add(message.chat_id)
            elif changes[-1]["status"] == "failed":
                logger.warning(
                    "outbox message %s to chat %s failed: %s",
                    message.id,
                    message.chat_id,
                    result.outcome,
                )
        async with self._sessionmaker() as session:
            await outbox.add_attempts(session, attempts)
            await outbox.update_messages(session, changes)
            for chat_id in sorted(blocked):
                stopped = await outbox.mark_chat_blocked(session, chat_id, now=now)
                logger.info(
                    "chat %s blocked the bot; %s queued messages stopped", chat_id, stopped
                )
            await session.commit()
        if blocked:
            self._drop_queued_for(blocked)

    def _drop_queued_for(self, chat_ids: set[int]) -> None:
        """Rows in hand for chats that just blocked the bot are 'blocked' in the outbox now."""
        state = self._state
        kept = [entry for entry in state.heap if entry[2].chat_id not in chat_ids]
        for _ready, message_id, message in state.heap:
            if message.chat_id in chat_ids:
                state.claimed.discard(message_id)
        state.heap = kept
        heapq.heapify(state.heap)

    async def _finish_in_flight(self, *, cancel: bool) -> None:
        """Wait for (or cancel) the sends in flight, then record every outcome there is."""
        while self._state.in_flight:
            tasks = list(self._state.in_flight)
            if cancel:
                for task in tasks:
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        while self._recorders:
            await asyncio.gather(*list(self._recorders), return_exceptions=True)
        if self._state.outcomes:
            await self._record()
        for _ready, message_id, _message in self._state.heap:
            self._state.claimed.discard(message_id)
        self._state.heap.clear()


def create_sender(
    settings: Settings,
    *,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: Clock | None = None,
    observer: Callable[[str], None] | None = None,
    **overrides: Any,
) -> OutboxSender:
    """The sender with the configured rates; `observer` hears each attempt's outcome."""
    return OutboxSender(
        bot,
        sessionmaker,
        i18n,
        options=DeliveryOptions.from_settings(settings, **overrides),
        clock=clock,
        default_locale=settings.default_locale,
        observer=observer,
    )


def _short(detail: str | None) -> str | None:
    return None if detail is None else detail[:200]


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
