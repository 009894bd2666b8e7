"""Small pieces the staff's event journeys share."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from core.city import CityData
from core.config import Settings
from core.event_admin_texts import refusal_text
from core.outbox_messages import OutboxWaker
from core.services.event_publishing import Renderer


def renderer(i18n: I18n, city: CityData, settings: Settings) -> Renderer:
    return Renderer(
        i18n=i18n,
        city=city,
        tz=settings.tz,
        default_locale=settings.default_locale,
        announcement_chat_id=settings.announcement_chat_id,
    )


def wake(sender: OutboxWaker | None) -> None:
    """Tell the outbox sender there is something new to send."""
    if sender is not None:
        sender.wake()


async def refuse(event: CallbackQuery | Message, reason: str) -> None:
    """A polite refusal: an alert on the button, or an answer to the message."""
    if isinstance(event, CallbackQuery):
        await event.answer(refusal_text(reason), show_alert=True)
    else:
        await event.answer(refusal_text(reason))


async def on_stale_button(callback: CallbackQuery) -> None:
    """A button of a step the conversation has left, or one no handler offers now."""
    await callback.answer(_("This button is no longer valid."))
