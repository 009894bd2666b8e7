"""The pitch journey's buttons on every step (Back, Cancel and the cancel question, the
resume offer) and the answers of the idea, theme, support and who steps."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import PitchCB
from core.city import CityData
from core.languages import reading_locale
from core.pitch_rules import InvalidAnswer
from core.services import pitching
from handlers.keyboards import main_menu_keyboard
from handlers.pitch import questions, replies
from handlers.pitch.filters import DraftButton
from handlers.pitch.flow import close_keyboard, show_step, start_new
from handlers.pitch.states import PitchForm
from storage.models import PitchDraft, User, utcnow

logger = logging.getLogger(__name__)


async def on_back(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """One step back; from an edit, back to the summary."""
    await callback.answer()
    await close_keyboard(callback)
    draft = await pitching.go_back(session, draft=draft, now=utcnow())
    await show_step(message, state, draft, city)


async def on_back_from_name(
    callback: CallbackQuery, message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """Back from the name question: the who step's buttons again."""
    await callback.answer()
    await close_keyboard(callback)
    await show_step(message, state, draft, city)


async def on_cancel(
    callback: CallbackQuery, message: Message, state: FSMContext, draft: PitchDraft
) -> None:
    await callback.answer()
    await state.set_state(PitchForm.cancel)
    text, markup = replies.cancel_question(draft.step)
    await message.answer(text, reply_markup=markup)


async def on_discard(
    callback: CallbackQuery, message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await pitching.discard_draft(session, user_id=user.telegram_id)
    await state.clear()
    await message.answer(replies.draft_deleted(), reply_markup=main_menu_keyboard())


async def on_keep(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await state.clear()
    await message.answer(replies.draft_kept(), reply_markup=main_menu_keyboard())


async def on_resume(
    callback: CallbackQuery, message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await show_step(message, state, draft, city)


async def on_restart(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await start_new(message, state, session, user, city)


async def on_next(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """Done with the idea (text, attachments or both)."""
    await callback.answer()
    await close_keyboard(callback)
    try:
        draft = await pitching.finish_idea(session, draft=draft, now=utcnow())
    except InvalidAnswer as error:
        await show_step(message, state, draft, city, note=replies.invalid_note(error))
        return
    await show_step(message, state, draft, city)


async def on_theme(
    callback: CallbackQuery,
    callback_data: PitchCB,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    await callback.answer()
    await close_keyboard(callback)
    code, now = callback_data.value, utcnow()
    try:
        draft = await pitching.choose_theme(session, draft=draft, city=city, code=code, now=now)
    except InvalidAnswer:
        await show_step(message, state, draft, city, note=replies.buttons_needed_note())
        return
    await show_step(message, state, draft, city)


async def on_toggle_support(
    callback: CallbackQuery,
    callback_data: PitchCB,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """A support option on or off: the same message shows the choices."""
    await callback.answer()
    code, now = callback_data.value, utcnow()
    try:
        draft = await pitching.toggle_support(session, draft=draft, city=city, code=code, now=now)
    except InvalidAnswer:
        await show_step(message, state, draft, city, note=replies.buttons_needed_note())
        return
    _text, markup = questions.support_question(draft, city, reading_locale())
    await message.edit_reply_markup(reply_markup=markup)


async def on_done(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """Done with (or Skip) an optional step: support, who."""
    await callback.answer()
    await close_keyboard(callback)
    draft = await pitching.finish_step(session, draft=draft, now=utcnow())
    await show_step(message, state, draft, city)


async def on_submitter_kind(
    callback: CallbackQuery,
    callback_data: PitchCB,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """A resident, a group, an association, a company: then the name to use."""
    await callback.answer()
    await close_keyboard(callback)
    kind, now = callback_data.value, utcnow()
    try:
        await pitching.choose_submitter_kind(session, draft=draft, kind=kind, now=now)
    except InvalidAnswer:
        await show_step(message, state, draft, city, note=replies.buttons_needed_note())
        return
    await state.set_state(PitchForm.who_name)
    text, markup = questions.who_name_question()
    await message.answer(text, reply_markup=markup)


async def on_stale_button(callback: CallbackQuery, user: User) -> None:
    """A button of another step, of a draft that has gone, or one its step does not offer:
    nothing changes."""
    logger.info("user %s pressed a pitch button that is no longer valid", user.telegram_id)
    await callback.answer(_("This button is no longer valid."))


def register(router: Router) -> None:
    def press(action: str) -> tuple[object, ...]:
        return PitchCB.filter(F.action == action), DraftButton()

    router.callback_query.register(on_back_from_name, PitchForm.who_name, *press("back"))
    router.callback_query.register(on_back, *press("back"))
    router.callback_query.register(on_cancel, *press("cancel"))
    router.callback_query.register(on_discard, *press("discard"))
    router.callback_query.register(on_keep, *press("keep"))
    router.callback_query.register(on_resume, *press("resume"))
    router.callback_query.register(on_restart, *press("restart"))
    router.callback_query.register(on_next, *press("next"))
    router.callback_query.register(on_theme, *press("theme"))
    router.callback_query.register(on_toggle_support, *press("toggle"))
    router.callback_query.register(on_done, *press("done"))
    router.callback_query.register(on_submitter_kind, *press("kind"))


def register_leftovers(router: Router) -> None:
    router.callback_query.register(on_stale_button, PitchCB.filter())
