"""Residents' data: /privacy (the whole notice), /about and the menu's "About and privacy",
and /mydata (everything kept about the person, with a JSON file). Private chats only."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core import privacy_texts as texts
from core.callbacks import MenuCB, PrivacyCB
from core.city import CityData
from core.config import Settings
from core.languages import reading_locale
from core.services import my_data, privacy
from handlers.keyboards import back_to_menu_keyboard
from storage.models import User, utcnow


async def send_notice(message: Message, city: CityData, settings: Settings) -> None:
    parts = privacy.notice_messages(city, settings, reading_locale())
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        await message.answer(part, reply_markup=back_to_menu_keyboard() if last else None)


async def send_my_data(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    now = utcnow()
    locale = reading_locale()
    found = await my_data.my_data(
        session, user_id=user.telegram_id, city=city, settings=settings, locale=locale, now=now
    )
    parts = texts.my_data_messages(
        found.counts,
        telegram_id=user.telegram_id,
        first_seen_at=found.first_seen_at,
        now=now,
        privacy=city.privacy,
        policy=settings.retention,
        tz=settings.tz,
        locale=locale,
        erase_pitch_text=settings.erase_pitch_text,
    )
    for part in parts:
        await message.answer(part)
    stamp = now.astimezone(settings.tz).strftime("%Y-%m-%d")
    await message.answer_document(
        BufferedInputFile(found.json_bytes(), filename=f"tillsammans-mydata-{stamp}.json"),
        caption=texts.my_data_caption(),
    )


async def cmd_privacy(message: Message, city: CityData, settings: Settings) -> None:
    await send_notice(message, city, settings)


async def cmd_about(message: Message) -> None:
    await message.answer(texts.about_text(), reply_markup=texts.notice_keyboard(with_menu=True))


async def cmd_my_data(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    await send_my_data(message, session, user, city, settings)


async def on_menu_about(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            texts.about_text(), reply_markup=texts.notice_keyboard(with_menu=True)
        )


async def on_notice_button(callback: CallbackQuery, city: CityData, settings: Settings) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await send_notice(callback.message, city, settings)


async def on_my_data_button(
    callback: CallbackQuery, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await send_my_data(callback.message, session, user, city, settings)


def create_router() -> Router:
    router = Router(name="privacy")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_privacy, Command("privacy"))
    router.message.register(cmd_about, Command("about"))
    router.message.register(cmd_my_data, Command("mydata"))
    router.callback_query.register(on_menu_about, MenuCB.filter(F.action == "about"))
    router.callback_query.register(on_notice_button, PrivacyCB.filter(F.action == "notice"))
    router.callback_query.register(on_my_data_button, PrivacyCB.filter(F.action == "mydata"))
    return router
