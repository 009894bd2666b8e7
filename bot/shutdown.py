"""A stop (SIGTERM, SIGINT) that loses nothing: stop taking updates, let the updates, jobs
and sends in flight finish within SHUTDOWN_GRACE_SECONDS, then close."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from collections.abc import Callable, Collection

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.schedulers.base import BaseScheduler

logger = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Grace:
    """The time left for work in flight, counted from when the stop began."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadline: float | None = None

    def begin(self) -> None:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds

    def remaining(self) -> float:
        self.begin()
        assert self._deadline is not None
        return max(self._deadline - time.monotonic(), 0.0)


def on_stop_signal(stop: Callable[[], None]) -> Callable[[], None]:
    """Call `stop` on SIGTERM or SIGINT (once each time), on the running loop; returns a
    function that puts the default handlers back."""
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, _log_and_call, number, stop)

    def restore() -> None:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)

    return restore


def _log_and_call(number: signal.Signals, stop: Callable[[], None]) -> None:
    logger.info("received %s: finishing what is in flight, then stopping", number.name)
    stop()


async def finish_tasks(tasks: Collection[asyncio.Task[object]], what: str, grace: Grace) -> None:
    """Wait for `tasks` within the grace; say how many were cut off (then cancel them)."""
    pending = [task for task in tasks if not task.done()]
    if not pending:
        return
    logger.info("waiting for %s %s in flight", len(pending), what)
    _, unfinished = await asyncio.wait(pending, timeout=grace.remaining())
    if unfinished:
        logger.warning("%s %s did not finish in time and are cut off", len(unfinished), what)
        for task in unfinished:
            task.cancel()
        await asyncio.wait(unfinished, timeout=5)


class RunningJobs:
    """Counts the scheduler's jobs in flight, so a stop can let them finish: APScheduler's
    asyncio executor cancels running jobs when the scheduler shuts down."""

    def __init__(self) -> None:
        self._running: Counter[str] = Counter()
        self._changed = asyncio.Event()

    @classmethod
    def watch(cls, scheduler: BaseScheduler) -> RunningJobs:
        running = cls()
        scheduler.add_listener(
            running._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
        )
        return running

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            self._running[event.job_id] += 1
        else:
            self._running[event.job_id] -= 1
            if self._running[event.job_id] <= 0:
                del self._running[event.job_id]
        self._changed.set()

    @property
    def count(self) -> int:
        return sum(self._running.values())

    async def finish(self, scheduler: BaseScheduler, grace: Grace) -> None:
        """Start no more jobs, let those running finish within the grace, shut down."""
        if not scheduler.running:
            return
        scheduler.pause()
        if self.count:
            logger.info("waiting for %s scheduled jobs in flight", self.count)
        while self.count and grace.remaining() > 0:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), grace.remaining())
            except TimeoutError:
                break
        if self.count:
            logger.warning("%s scheduled jobs did not finish in time", self.count)
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop
