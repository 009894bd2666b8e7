"""The where step: areas and pages of neighbourhoods change the message in place; a shared
location proposes the nearest neighbourhood; a choice moves on."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_rules as rules
from core.callbacks import PitchCB
from core.city import CityData, nearest_neighbourhood
from core.languages import reading_locale
from core.pitch_rules import InvalidAnswer
from core.services import pitching
from handlers.pitch import questions, replies
from handlers.pitch.filters import DraftButton, HasDraft
from handlers.pitch.flow import (
    close_keyboard,
    replace_in_place,
    show_step,
)
from handlers.pitch.states import PitchForm
from storage.models import PitchDraft, utcnow


async def on_area(
    callback: CallbackQuery,
    callback_data: PitchCB,
    message: Message,
    state: FSMContext,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """An area, or another page of its neighbourhoods: the same message shows them."""
    await callback.answer()
    try:
        area_code, page = rules.read_area_page(callback_data.value, city)
    except InvalidAnswer:
        await show_step(message, state, draft, city, note=replies.buttons_needed_note())
        return
    text, markup = questions.neighbourhood_question(city, area_code, page, reading_locale())
    await replace_in_place(message, text, markup)


async def on_other_areas(
    callback: CallbackQuery, message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    await callback.answer()
    await state.set_state(PitchForm.where)
    text, markup = questions.area_question(draft, city, reading_locale())
    await replace_in_place(message, text, markup)


async def on_use_location(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await close_keyboard(callback)
    await state.set_state(PitchForm.location)
    text, reply_markup = questions.location_request()
    await message.answer(text, reply_markup=reply_markup)


async def on_place(
    callback: CallbackQuery,
    callback_data: PitchCB,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
) -> None:
    """A neighbourhood, a whole area or the whole city: the answer, on to the theme."""
    await callback.answer()
    await close_keyboard(callback)
    action, code = callback_data.action, callback_data.value
    try:
        draft = await pitching.choose_place(
            session,
            draft=draft,
            city=city,
            now=utcnow(),
            neighbourhood_code=code if action == "hood" else None,
            area_code=code if action == "wholearea" else None,
            whole_city=action == "city",
        )
    except InvalidAnswer:
        await show_step(message, state, draft, city, note=replies.buttons_needed_note())
        return
    await show_step(message, state, draft, city)


async def on_location(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """A shared location proposes the nearest neighbourhood; only the answer is stored."""
    location = message.location
    hood = nearest_neighbourhood(city, location.latitude, location.longitude)  # type: ignore[union-attr]
    await state.set_state(PitchForm.where)
    locale = reading_locale()
    if hood is None:
        note = replies.outside_city_note(city, locale)
        await message.answer(note, reply_markup=ReplyKeyboardRemove())
        await show_step(message, state, draft, city)
        return
    await message.answer(_("📍 Thank you!"), reply_markup=ReplyKeyboardRemove())
    text, markup = questions.location_proposal(city, hood.code, locale)
    await message.answer(text, reply_markup=markup)


async def on_list_instead(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    """'Choose from the list instead' while a location is asked: back to the areas."""
    await message.answer(_("All right."), reply_markup=ReplyKeyboardRemove())
    await show_step(message, state, draft, city)


async def on_location_state_other(message: Message) -> None:
    """Anything else while a location is asked: point to the buttons, ask again."""
    text, markup = questions.location_request()
    await message.answer(f"{replies.buttons_needed_note()}\n\n{text}", reply_markup=markup)


def _is_list_choice(text: str) -> bool:
    return text == questions.choose_from_list_label()


def register(router: Router) -> None:
    def press(*actions: str) -> tuple[object, ...]:
        return PitchCB.filter(F.action.in_(actions)), DraftButton()

    router.callback_query.register(on_area, *press("area", "page"))
    router.callback_query.register(on_other_areas, *press("areas"))
    router.callback_query.register(on_use_location, *press("locate"))
    router.callback_query.register(on_place, *press("hood", "wholearea", "city"))

    where = StateFilter(PitchForm.location, PitchForm.where)
    router.message.register(on_location, where, F.location, HasDraft())
    router.message.register(
        on_list_instead,
        PitchForm.location,
        F.text.func(_is_list_choice),
        HasDraft(),
    )
    not_command = ~F.text.startswith("/")
    router.message.register(on_location_state_other, PitchForm.location, not_command, HasDraft())
