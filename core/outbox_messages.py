"""What goes into the outbox: message payloads, and the progress line of a mass send."""

from __future__ import annotations

import base64
from typing import Any, Protocol

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from core.formats import format_decimal


class OutboxWaker(Protocol):
    """The outbox sender as use cases and handlers see it: told when there is new work."""

    def wake(self) -> None: ...


def text_payload(text: str, reply_markup: InlineKeyboardMarkup | None = None) -> dict[str, Any]:
    """A sendMessage payload for the outbox; `text` is HTML, user input already escaped."""
    payload: dict[str, Any] = {"method": "sendMessage", "text": text, "parse_mode": "HTML"}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup.model_dump(mode="json", exclude_none=True)
    return payload


def document_payload(filename: str, content: bytes, caption: str | None = None) -> dict[str, Any]:
    """A sendDocument payload (e.g. a calendar file); the caption is HTML."""
    payload: dict[str, Any] = {
        "method": "sendDocument",
        "document": {
            "filename": filename,
            "content_base64": base64.b64encode(content).decode("ascii"),
        },
    }
    if caption is not None:
        payload["caption"] = caption
        payload["parse_mode"] = "HTML"
    return payload


def progress_text(counts: dict[str, int], total: int, locale: str, *, final: bool) -> str:
    """The campaign's progress line in the current (use_locale) language."""

    def number(value: int) -> str:
        return format_decimal(value, locale=locale)

    values = {
        "sent": number(counts.get("sent", 0)),
        "total": number(total),
        "blocked": number(counts.get("blocked", 0)),
        "failed": number(counts.get("failed", 0)),
    }
    if final:
        return _("✅ Done: sent {sent} of {total} · {blocked} blocked · {failed} failed").format(
            **values
        )
    return _("📤 Sending: {sent} of {total} sent · {blocked} blocked · {failed} failed").format(
        **values
    )


async def open_progress_message(bot: Bot, i18n: I18n, *, chat_id: int, locale: str) -> int:
    """Send the message a campaign's progress will be shown in; returns its message id.

    Pass it to storage.outbox.create_campaign (report_chat_id, report_message_id,
    report_locale) before queueing the campaign's messages; the sender edits it from then on.
    """
    with i18n.context(), i18n.use_locale(locale):
        text = _("📤 Getting ready to send…")
    message = await bot.send_message(chat_id, text)
    return message.message_id
