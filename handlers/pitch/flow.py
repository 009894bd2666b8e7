"""Showing the draft's current step, and starting or resuming a pitch: shared by the
journey's handlers and by /start."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_rules as rules
from core.city import CityData
from core.languages import reading_locale
from core.services import pitching
from handlers.pitch import questions, replies
from handlers.pitch.states import STEP_STATES, PitchForm
from storage.models import PitchDraft, User, utcnow


async def show_step(
    message: Message,
    state: FSMContext,
    draft: PitchDraft,
    city: CityData,
    *,
    note: str | None = None,
) -> None:
    """Ask the draft's current step in the chat of `message`, with an optional note first."""
    locale = reading_locale()
    await state.set_state(STEP_STATES[draft.step])
    if draft.step == rules.SUMMARY:
        parts, markup = replies.summary(draft, city, locale)
        if note:
            await message.answer(note)
        for part in parts[:-1]:
            await message.answer(part)
        await message.answer(parts[-1], reply_markup=markup)
        return
    text, markup = questions.question(draft, city, locale)
    await message.answer(f"{note}\n\n{text}" if note else text, reply_markup=markup)


async def ask_again(
    message: Message,
    note: str | None,
    question: tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup],
) -> None:
    """A note on what could not be taken, then the same question (one asked between steps:
    a name, a phone number, an e-mail address)."""
    text, markup = question
    await message.answer(f"{note}\n\n{text}" if note else text, reply_markup=markup)


async def ask_consent(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    incubator = city.incubator(pitching.incubator_for(draft, city))
    await state.set_state(PitchForm.consent)
    name = incubator.name(reading_locale()) if incubator else ""
    text, markup = questions.consent_question(name)
    await message.answer(text, reply_markup=markup)


async def close_keyboard(callback: CallbackQuery) -> None:
    """Take the buttons off a message once they have been used."""
    if isinstance(callback.message, Message) and callback.message.reply_markup:
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(reply_markup=None)


async def replace_in_place(message: Message, text: str, markup: InlineKeyboardMarkup) -> None:
    """Change a message's text and buttons (areas and pages of the where step)."""
    await message.edit_text(text, reply_markup=markup)


async def begin_pitch(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    *,
    place_code: str | None = None,
) -> None:
    """/pitch, the menu button or a deep link: offer the unsent draft, or start a new one."""
    draft = await pitching.current_draft(session, user.telegram_id)
    if draft is not None:
        await state.set_state(PitchForm.resume)
        text, markup = replies.resume_offer(draft)
        await message.answer(text, reply_markup=markup)
        return
    await start_new(message, state, session, user, city, place_code=place_code)


async def start_new(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    *,
    place_code: str | None = None,
) -> None:
    """A fresh draft (in the area or neighbourhood of a poster's link), then step 1."""
    draft = await pitching.start_draft(
        session,
        user_id=user.telegram_id,
        language=user.locale,
        now=utcnow(),
        city=city,
        place_code=place_code,
    )
    await message.answer(questions.intro())
    await show_step(message, state, draft, city)
