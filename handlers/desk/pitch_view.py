"""/pitch <reference>: one pitch as a card, with its whole history in pages."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_card_texts as cards
from core import pitch_history
from core.callbacks import HistoryCB
from core.city import CityData
from core.config import Settings
from core.services import desk
from core.services.roles import NotAllowed, Roles
from core.staff_texts import refusal
from handlers.filters import Staff
from handlers.staff.common import (
    ON_A_MESSAGE,
    data_prefixed,
    group_id,
    invalid_button,
    refuse_button,
)
from storage.models import utcnow

quote = html_decoration.quote


def history_keyboard(pitch_id: int, page: int, pages: int) -> InlineKeyboardMarkup | None:
    buttons = []
    if page > 0:
        previous = HistoryCB(pitch_id=pitch_id, page=page - 1).pack()
        buttons.append(InlineKeyboardButton(text="◀️", callback_data=previous))
    if page + 1 < pages:
        following = HistoryCB(pitch_id=pitch_id, page=page + 1).pack()
        buttons.append(InlineKeyboardButton(text="▶️", callback_data=following))
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None


def _history(
    found: desk.PitchWithHistory, page: int, city: CityData, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The page's text and buttons (a page past the end shows the last one)."""
    locale = I18n.get_current().current_locale
    pages = pitch_history.history_pages(found.events, city, locale, settings)
    page = min(page, len(pages) - 1)
    keyboard = history_keyboard(found.pitch.id or 0, page, len(pages))
    return pitch_history.page_text(pages, page), keyboard


async def _show(
    message: Message, found: desk.PitchWithHistory, city: CityData, settings: Settings
) -> tuple[Message, list[int]]:
    """The card's body, the history's first page, and the status line with the buttons;
    the status line and the body's message ids."""
    locale = I18n.get_current().current_locale
    body_ids = []
    for text in cards.card_body(found.pitch, city, locale, settings):
        body_ids.append((await message.answer(text)).message_id)
    if found.events:
        text, keyboard = _history(found, 0, city, settings)
        await message.answer(text, reply_markup=keyboard)
    control = await message.answer(
        cards.control_text(found.pitch, city, locale, settings),
        reply_markup=cards.control_keyboard(found.pitch),
    )
    return control, body_ids


async def cmd_pitch_card(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    settings: Settings,
) -> None:
    """/pitch MT-2026-0042: the whole card, its history and its buttons, here."""
    reference = desk.read_reference(command.args) or ""
    try:
        found = await desk.open_pitch(
            session, actor=roles, group_id=group_id(message), reference=reference, now=utcnow()
        )
    except NotAllowed as refused:
        text = _("I can't find a pitch {reference} among yours.").format(reference=reference)
        await message.answer(text if refused.reason == "not_found" else refusal(refused.reason))
        return
    control, body_ids = await _show(message, found, city, settings)
    await desk.remember_card(
        session,
        pitch=found.pitch,
        chat_id=control.chat.id,
        message_id=control.message_id,
        now=utcnow(),
        body_ids=body_ids,
    )


async def cmd_pitch_usage(message: Message) -> None:
    """Staff wrote /pitch with something that is not a reference."""
    await message.answer(
        _(
            "To open a pitch, write its reference, e.g. /pitch MT-2026-0042. To pitch an idea "
            "yourself, send /pitch alone."
        )
    )


async def on_history_page(
    callback: CallbackQuery,
    callback_data: HistoryCB,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    settings: Settings,
) -> None:
    """Every page asks again: the pitch may have moved away, the group been rebound."""
    try:
        found = await desk.pitch_history(
            session,
            actor=roles,
            group_id=group_id(callback.message),  # type: ignore[arg-type]
            pitch_id=callback_data.pitch_id,
            now=utcnow(),
        )
    except NotAllowed:
        await callback.answer(_("Sorry, you can't do that."), show_alert=True)
        return
    await callback.answer()
    if found.events:
        text, keyboard = _history(found, callback_data.page, city, settings)
        await callback.message.edit_text(text, reply_markup=keyboard)  # type: ignore[union-attr]


def create_router() -> Router:
    router = Router(name="desk-pitch")
    is_reference = F.args.func(desk.read_reference)
    router.message.register(cmd_pitch_card, Command("pitch", magic=is_reference), Staff())
    router.message.register(cmd_pitch_usage, Command("pitch", magic=F.args), Staff())
    router.callback_query.register(on_history_page, HistoryCB.filter(), ON_A_MESSAGE, Staff())
    router.callback_query.register(invalid_button, HistoryCB.filter(), ~ON_A_MESSAGE)
    router.callback_query.register(refuse_button, HistoryCB.filter())
    router.callback_query.register(invalid_button, data_prefixed(HistoryCB.__prefix__))
    return router
