"""The outer middlewares: a database session and the current user for each update, and the
reader's locale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Chat, TelegramObject
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.languages import pick_locale
from core.services import users
from storage.models import utcnow
from storage.users import get_user


class DatabaseMiddleware(BaseMiddleware):
    """Opens a session per update and puts the stored user in `data["user"]`.

    Users are created only from private chats: someone who merely speaks in a group the bot
    is in is not stored.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], default_locale: str):
        self._sessionmaker = sessionmaker
        self._default_locale = default_locale

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self._sessionmaker() as session:
            data["session"] = session
            sender: TelegramUser | None = data.get("event_from_user")
            chat: Chat | None = data.get("event_chat")
            if sender is not None and not sender.is_bot:
                if chat is not None and chat.type == ChatType.PRIVATE:
                    data["user"] = await users.ensure_user(
                        session,
                        telegram_id=sender.id,
                        language_code=sender.language_code,
                        default_locale=self._default_locale,
                        now=utcnow(),
                    )
                else:
                    data["user"] = await get_user(session, sender.id)
                # Give the connection back while the handler talks to Telegram; the
                # session takes one again when the handler next needs the database.
                await session.commit()
            return await handler(event, data)


class UserLocaleMiddleware(I18nMiddleware):
    """The stored user's locale; for someone not stored, Telegram's language or the default."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        if user is not None:
            return user.locale
        telegram_user = data.get("event_from_user")
        code = telegram_user.language_code if telegram_user else None
        return pick_locale(code, self.i18n.default_locale)
