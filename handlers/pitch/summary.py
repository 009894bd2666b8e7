"""The summary: send the pitch, or edit one answer and come back to it."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import PitchCB
from core.city import CityData
from core.config import Settings
from core.languages import reading_locale
from core.pitch_notices import deliver_pitch
from core.pitch_rules import InvalidAnswer
from core.services import pitching
from handlers.keyboards import main_menu_keyboard
from handlers.pitch import replies
from handlers.pitch.filters import DraftButton
from handlers.pitch.flow import close_keyboard, show_step
from handlers.pitch.states import PitchForm
from storage.models import PitchDraft, User, utcnow

logger = logging.getLogger(__name__)


async def on_submit(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Freeze and route the pitch, thank the resident, deliver it to the incubator."""
    await callback.answer()
    await close_keyboard(callback)
    try:
        pitch = await pitching.submit_draft(
            session, user_id=user.telegram_id, language=user.locale, city=city, now=utcnow()
        )
    except InvalidAnswer as error:
        await _not_sent(message, state, session, user, city, error)
        return
    await state.clear()
    incubator = city.incubator(pitch.incubator_code)
    locale = reading_locale()
    name = incubator.name(locale) if incubator else pitch.incubator_code
    text = replies.submitted(pitch.reference, pitch.title, name, locale)
    await message.answer(text, reply_markup=main_menu_keyboard())
    logger.info("user %s submitted pitch %s", user.telegram_id, pitch.id)
    await deliver_pitch(bot, session, pitch=pitch, city=city, i18n=i18n, settings=settings)


async def _not_sent(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    error: InvalidAnswer,
) -> None:
    """An answer missing: to its step. Sent or changed meanwhile (another device): the draft
    as it is now, or word that it has gone."""
    draft = await pitching.current_draft(session, user.telegram_id)
    if draft is None:
        await state.clear()
        await message.answer(replies.draft_gone(), reply_markup=main_menu_keyboard())
        return
    if error.reason != "incomplete":
        await show_step(message, state, draft, city)
        return
    first_missing = pitching.missing_answers(draft)[0]
    draft = await pitching.edit_field(session, draft=draft, step=first_missing, now=utcnow())
    await show_step(message, state, draft, city, note=_("One answer is still missing."))


async def on_edit(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    """The edit menu: which answer to change."""
    await callback.answer()
    await state.set_state(PitchForm.edit)
    text, markup = replies.edit_menu()
    await message.answer(text, reply_markup=markup)


async def on_field(
    callback: CallbackQuery,
    callback_data: PitchCB,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """One answer to change: its step, whose answer leads back to the summary."""
    await callback.answer()
    await close_keyboard(callback)
    step, now = callback_data.value, utcnow()
    try:
        draft = await pitching.edit_field(session, draft=draft, step=step, now=now)
    except InvalidAnswer:
        await show_step(message, state, draft, city, note=replies.buttons_needed_note())
        return
    await show_step(message, state, draft, city)


async def on_back_to_summary(
    callback: CallbackQuery, message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await show_step(message, state, draft, city)


def register(router: Router) -> None:
    def press(action: str) -> tuple[object, ...]:
        return PitchCB.filter(F.action == action), DraftButton()

    router.callback_query.register(on_submit, *press("submit"))
    router.callback_query.register(on_edit, *press("edit"))
    router.callback_query.register(on_field, *press("field"))
    router.callback_query.register(on_back_to_summary, *press("summary"))
