"""First contact: /start (with deep links), /help and the main menu (about and privacy are
in handlers/privacy.py)."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import MenuCB
from core.city import CityData
from core.config import Settings
from core.deeplinks import parse_start_payload
from core.services import pitching, users
from handlers.attendance import send_event_details
from handlers.keyboards import language_keyboard, main_menu_keyboard
from handlers.pitch.flow import begin_pitch
from handlers.subscriptions import open_subscription
from handlers.texts import menu_prompt
from storage.models import User

logger = logging.getLogger(__name__)


def greeting(first_name: str | None) -> str:
    name = html_decoration.quote(first_name or "")
    hello = _("Hello, {name}! 👋").format(name=name) if name else _("Hello! 👋")
    return "\n\n".join(
        (
            hello,
            _(
                "Welcome to <b>Tillsammans</b>, the bot of Malmö Together, where residents, "
                "the city, associations and local businesses make ideas happen together."
            ),
            _(
                "Here you can pitch an idea to the incubator in your area (no idea is too "
                "small), find meetings such as Lärande Lunch and Malmötimmen, and get "
                "reminders in your language."
            ),
            menu_prompt(),
        )
    )


async def cmd_start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    """Greet; a pitch link (from a poster) or an unsent draft leads on into the pitch, an
    event link to the event's card, a subscribe link to the subscriptions."""
    link = parse_start_payload(command.args)
    if link is not None:
        await users.remember_start_payload(session, user=user, payload=link.payload)
    elif command.args:
        logger.info("user %s opened an unknown start link", user.telegram_id)
    first_name = message.from_user.first_name if message.from_user else None
    await message.answer(greeting(first_name), reply_markup=main_menu_keyboard())
    if link is not None and link.kind == "pitch":
        await begin_pitch(message, state, session, user, city, place_code=link.argument)
    elif link is not None and link.event_id is not None:
        await send_event_details(message, session, user, city, settings, link.event_id)
    elif link is not None and link.kind == "subscribe":
        await open_subscription(message, state, session, user, city)
    elif await pitching.current_draft(session, user.telegram_id) is not None:
        await begin_pitch(message, state, session, user, city)


def help_text() -> str:
    return "\n".join(
        (
            _("Choose from the menu below, or use these commands:"),
            "",
            _("/start – the main menu"),
            _("/pitch – pitch an idea"),
            _("/mypitches – the ideas you have sent"),
            _("/events – coming meetings"),
            _("/subscribe – news of meetings; /unsubscribe stops it"),
            _("/language – change the language"),
            _("/privacy – about Malmö Together and your data"),
            _("/mydata – everything we keep about you"),
            _("/forget – remove everything stored about you"),
            _("/help – this help"),
        )
    )


async def cmd_help(message: Message) -> None:
    await message.answer(help_text(), reply_markup=main_menu_keyboard())


async def cmd_menu(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(menu_prompt(), reply_markup=main_menu_keyboard())


async def on_menu_pitch(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await begin_pitch(callback.message, state, session, user, city)


async def on_menu_language(callback: CallbackQuery, user: User) -> None:
    await callback.answer()
    await callback.message.answer(  # type: ignore[union-attr]
        _("Which language would you like me to use?"),
        reply_markup=language_keyboard(user.locale),
    )


async def on_menu_menu(callback: CallbackQuery) -> None:
    await callback.answer()
    await callback.message.answer(menu_prompt(), reply_markup=main_menu_keyboard())  # type: ignore[union-attr]


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_menu, Command("menu", "cancel"))
    router.callback_query.register(on_menu_pitch, MenuCB.filter(F.action == "pitch"))
    router.callback_query.register(on_menu_language, MenuCB.filter(F.action == "language"))
    router.callback_query.register(on_menu_menu, MenuCB.filter(F.action == "menu"))
    return router
