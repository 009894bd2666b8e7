"""Telegram's sending limits on an injectable clock: the overall rate, one message a second
per private chat, 20 a minute per group, and a pause for everyone after a 429."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from aiolimiter import AsyncLimiter

from storage.models import utcnow

# Clocks tell microseconds: shorter waits would not move a datetime clock at all.
MIN_WAIT = 1e-6
# Telegram's limits besides the overall rate.
PRIVATE_CHAT_INTERVAL = 1.0
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0


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
