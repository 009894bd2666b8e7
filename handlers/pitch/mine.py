"""/mypitches: the resident's own pitches with their status, a page at a time."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import MyPitchesCB
from core.city import CityData
from core.config import Settings
from core.languages import reading_locale
from core.services import pitching
from handlers.pitch import replies
from storage.models import User


async def cmd_my_pitches(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    found = await pitching.pitches_for_resident(session, user_id=user.telegram_id, page=0)
    locale = reading_locale()
    text = replies.my_pitches(found, city, locale, settings.tz)
    await message.answer(text, reply_markup=replies.my_pitches_keyboard(found, locale))


async def on_my_pitches_page(
    callback: CallbackQuery,
    callback_data: MyPitchesCB,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    """Another page, in the same message; only ever the presser's own pitches."""
    if not isinstance(callback.message, Message):
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    page = callback_data.page
    found = await pitching.pitches_for_resident(session, user_id=user.telegram_id, page=page)
    locale = reading_locale()
    text = replies.my_pitches(found, city, locale, settings.tz)
    await callback.message.edit_text(text, reply_markup=replies.my_pitches_keyboard(found, locale))


def register(router: Router) -> None:
    router.message.register(cmd_my_pitches, Command("mypitches", "myideas"))
    router.callback_query.register(on_my_pitches_page, MyPitchesCB.filter())
