"""The one error handler: log ids and where it failed, tell the resident kindly."""

from __future__ import annotations

import logging
import traceback

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.services.users import stored_locale

logger = logging.getLogger(__name__)


async def on_error(
    event: ErrorEvent,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> bool:
    # The traceback without the exception's message: that may quote what a resident wrote.
    where = "".join(traceback.format_tb(event.exception.__traceback__))
    logger.error(
        "update %s failed with %s\n%s",
        event.update.update_id,
        type(event.exception).__name__,
        where,
    )
    chat_id, user_id = _private_chat_and_user(event)
    if chat_id is None:
        return True
    try:
        async with sessionmaker() as session:
            locale = await stored_locale(session, user_id) if user_id else None
        with i18n.context(), i18n.use_locale(locale or settings.default_locale):
            text = _(
                "Sorry, something went wrong on our side. Your data is safe. "
                "Please try again in a moment."
            )
        await bot.send_message(chat_id, text)
    except Exception as error:
        logger.warning("could not tell chat %s about an error: %s", chat_id, type(error).__name__)
    return True


def _private_chat_and_user(event: ErrorEvent) -> tuple[int | None, int | None]:
    update = event.update
    message = update.message or update.edited_message
    if message is None and update.callback_query is not None:
        message = update.callback_query.message  # type: ignore[assignment]
        sender = update.callback_query.from_user
    else:
        sender = message.from_user if message else None
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None, None
    return message.chat.id, sender.id if sender else None


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
