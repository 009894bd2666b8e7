"""Answers typed or sent in the pitch journey: the title, the need, the idea and its
attachments, a name and an e-mail address; and anything of the wrong kind, explained."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.city import CityData
from core.pitch_rules import InvalidAnswer
from core.services import pitching
from handlers.keyboards import main_menu_keyboard
from handlers.pitch import questions, replies
from handlers.pitch.filters import HasDraft
from handlers.pitch.flow import ask_again, ask_consent, begin_pitch, show_step
from handlers.pitch.states import BUTTON_STATES, PitchForm
from storage.models import PitchDraft, User, utcnow

NOT_COMMAND = ~F.text.startswith("/")

Answer = Callable[..., Awaitable[PitchDraft]]


async def cmd_pitch(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    await begin_pitch(message, state, session, user, city)


async def cmd_cancel(message: Message, state: FSMContext, draft: PitchDraft) -> None:
    await state.set_state(PitchForm.cancel)
    text, markup = replies.cancel_question(draft.step)
    await message.answer(text, reply_markup=markup)


async def _take(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
    answer: Answer,
) -> None:
    """One typed answer of a step: on to the next step, or a kind note and the step again."""
    try:
        draft = await answer(session, draft=draft, text=message.text, now=utcnow())
    except InvalidAnswer as error:
        await show_step(message, state, draft, city, note=replies.invalid_note(error))
        return
    await show_step(message, state, draft, city)


async def on_title(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    await _take(message, state, session, draft, city, pitching.answer_title)


async def on_need(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    await _take(message, state, session, draft, city, pitching.answer_need)


async def on_idea_text(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    """The idea's text; the step stays for attachments until Next."""
    await _take(message, state, session, draft, city, pitching.set_idea_text)


async def on_name(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    """The name the incubator should use (the 'who' step, after the kind of submitter)."""
    try:
        draft = await pitching.answer_submitter_name(
            session, draft=draft, text=message.text, now=utcnow()
        )
    except InvalidAnswer as error:
        if error.reason == "stale":
            await show_step(message, state, draft, city)
        else:
            await ask_again(message, replies.invalid_note(error), questions.who_name_question())
        return
    await show_step(message, state, draft, city)


async def on_email(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    """An e-mail address for the contact step; then the consent."""
    try:
        draft = await pitching.set_email(session, draft=draft, text=message.text, now=utcnow())
    except InvalidAnswer as error:
        if error.reason == "stale":
            await show_step(message, state, draft, city)
        else:
            await ask_again(message, replies.invalid_note(error), questions.email_question())
        return
    await ask_consent(message, state, draft, city)


async def _attach(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
    kind: str,
    file_id: str,
) -> None:
    try:
        draft = await pitching.add_idea_media(
            session, draft=draft, kind=kind, file_id=file_id, caption=message.caption, now=utcnow()
        )
    except InvalidAnswer as error:
        await show_step(message, state, draft, city, note=replies.invalid_note(error))
        return
    await show_step(message, state, draft, city)


async def on_idea_photo(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    """A photo for the idea, kept by its Telegram file id (the largest size)."""
    file_id = message.photo[-1].file_id  # type: ignore[index]
    await _attach(message, state, session, draft, city, "photo", file_id)


async def on_idea_voice(
    message: Message, state: FSMContext, session: AsyncSession, draft: PitchDraft, city: CityData
) -> None:
    """A voice note for the idea, kept by its Telegram file id."""
    file_id = message.voice.file_id  # type: ignore[union-attr]
    await _attach(message, state, session, draft, city, "voice", file_id)


async def on_step_text_needed(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """A sticker, photo or file where the title or the need is asked."""
    await show_step(message, state, draft, city, note=replies.text_needed_note())


async def on_name_text_needed(message: Message) -> None:
    await ask_again(message, replies.text_needed_note(), questions.who_name_question())


async def on_email_text_needed(message: Message) -> None:
    await ask_again(message, replies.text_needed_note(), questions.email_question())


async def on_idea_other_content(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """A sticker, a file or a video note at the idea: text, photos or voice notes only."""
    await show_step(message, state, draft, city, note=replies.idea_content_note())


async def on_button_state_input(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """Typing (or sending anything) where buttons are asked: point to them, ask again."""
    await show_step(message, state, draft, city, note=replies.buttons_needed_note())


async def on_draft_gone(message: Message, state: FSMContext) -> None:
    """Anything in the journey once the draft has gone (deleted after 30 days)."""
    await state.clear()
    await message.answer(replies.draft_gone(), reply_markup=main_menu_keyboard())


def register(router: Router) -> None:
    """The commands and typed answers; `register_leftovers` comes after every other step."""
    router.message.register(cmd_pitch, Command("pitch", "idea", "ide", "idea_nueva"))
    in_journey = StateFilter(*PitchForm.__states__)
    router.message.register(cmd_cancel, Command("cancel"), in_journey, HasDraft())
    router.message.register(on_draft_gone, Command("cancel"), in_journey)
    text = (F.text, NOT_COMMAND, HasDraft())
    router.message.register(on_title, PitchForm.title, *text)
    router.message.register(on_need, PitchForm.need, *text)
    router.message.register(on_idea_text, PitchForm.idea, *text)
    router.message.register(on_name, PitchForm.who_name, *text)
    router.message.register(on_email, PitchForm.email, *text)
    router.message.register(on_idea_photo, PitchForm.idea, F.photo, HasDraft())
    router.message.register(on_idea_voice, PitchForm.idea, F.voice, HasDraft())


def register_leftovers(router: Router) -> None:
    """What no step took: the wrong kind of message, typing at buttons, a draft gone."""
    not_text = ~F.text
    text_steps = StateFilter(PitchForm.title, PitchForm.need)
    router.message.register(on_step_text_needed, text_steps, not_text, HasDraft())
    router.message.register(on_name_text_needed, PitchForm.who_name, not_text, HasDraft())
    router.message.register(on_email_text_needed, PitchForm.email, not_text, HasDraft())
    router.message.register(on_idea_other_content, PitchForm.idea, not_text, HasDraft())
    buttons = StateFilter(*BUTTON_STATES)
    router.message.register(on_button_state_input, buttons, NOT_COMMAND, HasDraft())
    router.message.register(on_draft_gone, StateFilter(*PitchForm.__states__), NOT_COMMAND)
