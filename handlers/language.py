"""Choosing the language: /language and the language buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import LanguageCB
from core.command_menus import publish_staff_menu
from core.config import SUPPORTED_LOCALES, Settings
from core.services import users
from core.services.roles import roles_of
from handlers.keyboards import language_keyboard, main_menu_keyboard
from handlers.texts import menu_prompt
from storage.models import User


async def cmd_language(message: Message, user: User) -> None:
    await message.answer(
        _("Which language would you like me to use?"), reply_markup=language_keyboard(user.locale)
    )


async def on_language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageCB,
    session: AsyncSession,
    user: User,
    i18n: I18n,
    bot: Bot,
    settings: Settings,
) -> None:
    await users.set_locale(session, user=user, locale=callback_data.code)
    roles = await roles_of(session, user.telegram_id, settings.admin_ids)
    if roles.is_staff:  # their own command menu follows their language
        await publish_staff_menu(
            bot, i18n, user_id=user.telegram_id, roles=roles, locale=user.locale
        )
    with i18n.use_locale(user.locale):
        await callback.answer()
        await callback.message.edit_text(  # type: ignore[union-attr]
            _("Done! From now on I will write to you in English."),
        )
        await callback.message.answer(  # type: ignore[union-attr]
            menu_prompt(), reply_markup=main_menu_keyboard()
        )


def create_router() -> Router:
    router = Router(name="language")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_language, Command("language", "lang", "sprak", "idioma"))
    router.callback_query.register(
        on_language_chosen, LanguageCB.filter(F.code.in_(SUPPORTED_LOCALES))
    )
    return router
