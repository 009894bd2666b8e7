"""What the sender is set to do, and what each attempt's outcome means for its outbox row:
sent, blocked, failed, or tried again later (after a 429's retry_after, or with backoff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.config import Settings
from storage.outbox import DueMessage


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
class Outcome:
    """What one attempt to send an outbox row came to."""

    message: DueMessage
    outcome: str
    attempted_at: datetime
    detail: str | None = None
    retry_after: float | None = None
    telegram_message_id: int | None = None
    finished_at: datetime | None = None


def row_change(result: Outcome, now: datetime, options: DeliveryOptions) -> dict[str, Any]:
    """The outbox row's new values after an attempt."""
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
    elif change["attempts"] >= options.max_attempts:
        change["status"] = "failed"
    else:
        change["next_attempt_at"] = now + timedelta(
            seconds=backoff_seconds(change["attempts"], options)
        )
    return change


def backoff_seconds(attempts: int, options: DeliveryOptions) -> float:
    """2, 4, 8 … seconds after the 1st, 2nd, 3rd failed attempt, up to the maximum."""
    return min(options.backoff_base * 2 ** (attempts - 1), options.backoff_max)
