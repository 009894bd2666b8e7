"""Logging that carries ids, never secrets or what people wrote: text lines by default, or
one JSON object per line (LOG_FORMAT=json) with the update's and the user's id."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# (update id, Telegram user id) of the update being handled, for the JSON lines.
_update_ids: ContextVar[tuple[int | None, int | None]] = ContextVar(
    "update_ids", default=(None, None)
)


class RedactSecrets(logging.Filter):
    """Replaces each secret in a formatted record, wherever a library may have put it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self._secrets):
            record.msg, record.args = self.redact(message), None
        return True

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, update_id and
    user_id (null outside an update), and the traceback where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        update_id, user_id = _update_ids.get()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "update_id": update_id,
            "user_id": user_id,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class _Redacted(logging.Formatter):
    """The inner format's whole line redacted, tracebacks included."""

    def __init__(self, inner: logging.Formatter, redactor: RedactSecrets) -> None:
        super().__init__()
        self._inner = inner
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.redact(self._inner.format(record))


class UpdateLogContext(BaseMiddleware):
    """Puts the update's id and its sender's id on every line logged while it is handled.

    Each update is handled in a task of its own (a copy of the context), so the ids are not
    reset on the way out: the error handler, which runs outside this middleware, still has them.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        update_id = event.update_id if isinstance(event, Update) else None
        _update_ids.set((update_id, sender.id if sender else None))
        return await handler(event, data)


def log_handler(
    secrets: list[str], log_format: str = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """A handler writing `log_format` lines (text or json) with every secret redacted."""
    redactor = RedactSecrets(secrets)
    inner = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(_Redacted(inner, redactor))
    handler.addFilter(redactor)
    return handler


def setup_logging(level: str, secrets: list[str], log_format: str = "text") -> None:
    root = logging.getLogger()
    root.handlers[:] = [log_handler(secrets, log_format)]
    root.setLevel(level)
    for noisy in ("aiosqlite", "sqlalchemy", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
