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

Only one sender runs per database: it runs inside the process that polls (bot/app.py starts
it with the Dispatcher and puts it in the workflow data as `sender`). Rows are claimed in
its memory, not locked in the database, so a second sender would send them twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import heapq
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import CopyMessage, SendDocument, SendMessage, TelegramMethod
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiolimiter import AsyncLimiter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.outbox_messages import progress_text
from storage import outbox
from storage.models import utcnow
from storage.outbox import DueMessage

logger = logging.getLogger(__name__)

# Clocks tell microseconds: shorter waits would not move a datetime clock at all.
MIN_WAIT = 1e-6
# Telegram's limits besides the overall rate.
PRIVATE_CHAT_INTERVAL = 1.0
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0


# --------------------------------------------------------------------------------------------
# Payloads
# --------------------------------------------------------------------------------------------


class PayloadError(ValueError):
    """An outbox payload the sender cannot turn into a Bot API call."""


def build_method(
    chat_id: int, payload: dict[str, Any], *, paid_broadcast: bool = False
) -> TelegramMethod[Any]:
    """The aiogram method for a payload: sendMessage, copyMessage or sendDocument."""
    params = dict(payload)
    name = params.pop("method", None)
    params.pop("chat_id", None)
    if paid_broadcast:
        params["allow_paid_broadcast"] = True
    try:
        if name == "sendMessage":
            return SendMessage(chat_id=chat_id, **params)
        if name == "copyMessage":
            return CopyMessage(chat_id=chat_id, **params)
        if name == "sendDocument":
            document = params.pop("document")
            upload = BufferedInputFile(
                base64.b64decode(document["content_base64"]), filename=document["filename"]
            )
            return SendDocument(chat_id=chat_id, document=upload, **params)
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        raise PayloadError(f"invalid {name} payload: {type(error).__name__}") from None
    raise PayloadError(f"unsupported method {name!r}")


# --------------------------------------------------------------------------------------------
# Time and limits
# --------------------------------------------------------------------------------------------


class Clock(Protocol):
    """The sender's time: `now()` in UTC and `sleep()`. Tests inject a fake one."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> datetime:
        return utcnow()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ClockedLimiter(AsyncLimiter):
    """aiolimiter's leaky bucket read on the sender's clock rather than the event loop's,
    so an injected clock paces it too. Its capacity is one message, leaking at `rate` per
    second: sends are spaced evenly and no second ever holds more than `rate` of them.
    The sender only acquires when `has_capacity()`, so acquiring never waits on the loop."""

    __slots__ = ("_clock",)

    def __init__(self, rate: float, clock: Callable[[], float]) -> None:
        super().__init__(max_rate=1, time_period=1 / rate)
        self._clock = clock

    def _leak(self) -> None:
        now = self._clock()
        if self._level:
            elapsed = max(now - self._last_check, 0.0)
            self._level = max(self._level - elapsed * self._rate_per_sec, 0.0)
            if self._level < 1e-6:  # rounding left-overs after sleeping exactly `ready_in()`
                self._level = 0.0
        self._last_check = now

    def ready_in(self) -> float:
        """Seconds until the next message may go (0: now)."""
        if self.has_capacity():
            return 0.0
        return max(self._level + 1 - self.max_rate, 0.0) / self._rate_per_sec


class Pacer:
    """Telegram's limits on the sender's clock (seconds since the epoch): the overall rate
    (None: no overall limit), one message a second per private chat, 20 a minute per group
    (negative chat ids), and a pause for everyone after a 429."""

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._limiter = ClockedLimiter(rate, clock) if rate else None
        self._paused_until = 0.0
        self._private_last: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}

    def pause(self, until: float) -> None:
        self._paused_until = max(self._paused_until, until)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def chat_ready_at(self, chat_id: int) -> float:
        if chat_id < 0:
            sends = self._group_sends.get(chat_id)
            if sends is None or len(sends) < GROUP_LIMIT:
                return 0.0
            return sends[0] + GROUP_WINDOW
        last = self._private_last.get(chat_id)
        return 0.0 if last is None else last + PRIVATE_CHAT_INTERVAL

    def ready_at(self, chat_id: int | None = None, now: float | None = None) -> float:
        """The earliest time a message to the chat (None: any chat) may go."""
        now = self._clock() if now is None else now
        ready = max(now, self._paused_until)
        if chat_id is not None:
            ready = max(ready, self.chat_ready_at(chat_id))
        if self._limiter is not None:
            ready = max(ready, now + self._limiter.ready_in())
        return ready

    async def take(self, chat_id: int | None = None) -> None:
        """Wait (on the clock) until a message to the chat may go, and count it."""
        while (wait := self.ready_at(chat_id) - self._clock()) > 0:
            await self._sleep(max(wait, MIN_WAIT))
        if self._limiter is not None:
            while not self._limiter.has_capacity():
                await self._sleep(max(self._limiter.ready_in(), MIN_WAIT))
            await self._limiter.acquire()  # has capacity now: returns at once
        now = self._clock()
        if chat_id is None:
            return
        if chat_id < 0:
            sends = self._group_sends.setdefault(chat_id, deque())
            sends.append(now)
            while len(sends) > GROUP_LIMIT:
                sends.popleft()
        else:
            self._private_last[chat_id] = now

    def forget_old(self) -> None:
        """Drop what no longer limits anything, so memory stays small on long runs."""
        now = self._clock()
        self._private_last = {
            chat: at for chat, at in self._private_last.items() if at + PRIVATE_CHAT_INTERVAL > now
        }
        self._group_sends = {
            chat: sends
            for chat, sends in self._group_sends.items()
            if sends[-1] + GROUP_WINDOW > now
        }


# --------------------------------------------------------------------------------------------
# Progress reports
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The sender
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryOptions:
    """How the sender works; `from_settings` reads the configured rates."""

    rate: float | None = 25.0
    paid_broadcast: bool = False
    max_attempts: int = 5
    backoff_base: float = 2.0
    backoff_max: float = 600.0
    batch_size: int = 200
    concurrency: int = 32
    request_timeout: float = 20.0
    poll_interval: float = 1.0
    progress_interval: float = 3.0
    # A row whose chat may not get it for this long is put back in the outbox till then.
    park_after: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DeliveryOptions:
        if settings.allow_paid_broadcast:
            values: dict[str, Any] = {
                "rate": float(settings.paid_broadcast_rate),
                "paid_broadcast": True,
            }
        else:
            values = {"rate": settings.delivery_rate, "paid_broadcast": False}
        return cls(**{**values, **overrides})


@dataclass
class _Outcome:
    message: DueMessage
    outcome: str
    attempted_at: datetime
    detail: str | None = None
    retry_after: float | None = None
    telegram_message_id: int | None = None
    finished_at: datetime | None = None


@dataclass
class _State:
    heap: list[tuple[float, int, DueMessage]] = field(default_factory=list)
    claimed: set[int] = field(default_factory=set)
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    outcomes: list[_Outcome] = field(default_factory=list)


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
    ) -> None:
        self.bot = bot
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
        self._report_texts: dict[int, str] = {}

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
        await self._report_progress()

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
                await self._report_progress()
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
        self._state.outcomes.append(result)
        asyncio.get_running_loop().call_soon(self._schedule_record)

    async def _attempt(self, message: DueMessage, attempted_at: datetime) -> _Outcome:
        def outcome(kind: str, detail: str | None = None, **extra: Any) -> _Outcome:
            return _Outcome(message, kind, attempted_at, _short(detail), **extra)

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

    async def _write(self, batch: list[_Outcome]) -> None:
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
            changes.append(self._change_for(result, now))
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

    def _change_for(self, result: _Outcome, now: datetime) -> dict[str, Any]:
        """The row's new values after an attempt."""
        message = result.message
        change: dict[str, Any] = {
            "id": message.id,
            "status": "queued",
            "attempts": message.attempts + 1,
            "next_attempt_at": now,
            "sent_at": None,
            "telegram_message_id": None,
            "last_error": result.outcome if result.outcome != "sent" else None,
        }
        if result.outcome == "sent":
            change.update(
                status="sent",
                sent_at=result.finished_at or now,
                telegram_message_id=result.telegram_message_id,
            )
        elif result.outcome == "blocked":
            change["status"] = "blocked"
        elif result.outcome == "bad_request":
            change["status"] = "failed"
        elif result.outcome == "retry_after":
            # Flow control, not the message's fault: it does not count as a failed attempt.
            change["attempts"] = message.attempts
            change["next_attempt_at"] = now + timedelta(seconds=result.retry_after or 1)
        elif change["attempts"] >= self.options.max_attempts:
            change["status"] = "failed"
        else:
            change["next_attempt_at"] = now + timedelta(seconds=self._backoff(change["attempts"]))
        return change

    def _backoff(self, attempts: int) -> float:
        return min(self.options.backoff_base * 2 ** (attempts - 1), self.options.backoff_max)

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

    # -- progress -----------------------------------------------------------------------------
    async def _report_progress(self) -> None:
        """Edit each running campaign's progress message (when its text changed), and write
        the final report of those with nothing queued any more."""
        async with self._sessionmaker() as session:
            campaigns = await outbox.unfinished_campaigns(session)
            for campaign in campaigns:
                assert campaign.id is not None
                counts = await outbox.count_by_status(session, campaign.id)
                final = counts.get("queued", 0) == 0
                if campaign.report_chat_id and campaign.report_message_id:
                    locale = campaign.report_locale or self._default_locale
                    with self._i18n.context(), self._i18n.use_locale(locale):
                        text = progress_text(counts, campaign.total, locale, final=final)
                    if self._report_texts.get(campaign.id) != text:
                        await self._edit_report(
                            campaign.report_chat_id, campaign.report_message_id, text
                        )
                        self._report_texts[campaign.id] = text
                if final:
                    await outbox.finish_campaign(session, campaign.id, now=self._clock.now())
                    self._report_texts.pop(campaign.id, None)
                    logger.info("campaign %s finished: %s", campaign.id, counts)
            await session.commit()

    async def _edit_report(self, chat_id: int, message_id: int, text: str) -> None:
        await self._pacer.take()
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=message_id,
                request_timeout=int(self.options.request_timeout),
            )
        except TelegramRetryAfter as error:
            self._pacer.pause(self._seconds() + error.retry_after)
        except TelegramAPIError as error:
            logger.warning(
                "could not update the progress message in chat %s: %s",
                chat_id,
                type(error).__name__,
            )


def create_sender(
    settings: Settings,
    *,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: Clock | None = None,
    **overrides: Any,
) -> OutboxSender:
    """The sender with the configured rates."""
    return OutboxSender(
        bot,
        sessionmaker,
        i18n,
        options=DeliveryOptions.from_settings(settings, **overrides),
        clock=clock,
        default_locale=settings.default_locale,
    )


def _short(detail: str | None) -> str | None:
    return None if detail is None else detail[:200]


def _as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _from_seconds(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
