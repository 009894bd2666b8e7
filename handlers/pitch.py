"""The pitch journey: a resident answers short steps; the draft is saved at each one."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_rules as rules
from core.callbacks import PitchCB
from core.city import CityData, nearest_neighbourhood
from core.config import Settings
from core.pitch_notices import deliver_pitch
from core.pitch_rules import InvalidAnswer
from core.services import pitching
from handlers import pitch_views as views
from handlers.keyboards import main_menu_keyboard
from storage.models import PitchDraft, User, utcnow

logger = logging.getLogger(__name__)


class PitchForm(StatesGroup):
    title = State()
    need = State()
    idea = State()
    where = State()
    location = State()
    theme = State()
    support = State()
    who = State()
    who_name = State()
    contact = State()
    phone = State()
    email = State()
    consent = State()
    summary = State()
    edit = State()
    cancel = State()
    resume = State()


STEP_STATES: dict[str, State] = {
    "title": PitchForm.title,
    "need": PitchForm.need,
    "idea": PitchForm.idea,
    "where": PitchForm.where,
    "theme": PitchForm.theme,
    "support": PitchForm.support,
    "who": PitchForm.who,
    "contact": PitchForm.contact,
    rules.SUMMARY: PitchForm.summary,
}
BUTTON_STATES = (
    PitchForm.where,
    PitchForm.theme,
    PitchForm.support,
    PitchForm.who,
    PitchForm.contact,
    PitchForm.consent,
    PitchForm.summary,
    PitchForm.edit,
    PitchForm.cancel,
    PitchForm.resume,
)
TEXT_STATES = (PitchForm.title, PitchForm.need, PitchForm.who_name, PitchForm.email)


# --- showing a step ------------------------------------------------------------------------


async def show_step(
    message: Message,
    state: FSMContext,
    draft: PitchDraft,
    city: CityData,
    *,
    note: str | None = None,
) -> None:
    """Ask the draft's current step in the chat of `message`, with an optional note first."""
    locale = _current_locale()
    await state.set_state(STEP_STATES[draft.step])
    if draft.step == rules.SUMMARY:
        parts, markup = views.summary(draft, city, locale)
        if note:
            await message.answer(note)
        for part in parts[:-1]:
            await message.answer(part)
        await message.answer(parts[-1], reply_markup=markup)
        return
    text, markup = views.question(draft, city, locale)
    await message.answer(f"{note}\n\n{text}" if note else text, reply_markup=markup)


def _current_locale() -> str:
    return I18n.get_current().current_locale


async def _close_keyboard(callback: CallbackQuery) -> None:
    """Take the buttons off a message once they have been used."""
    if isinstance(callback.message, Message) and callback.message.reply_markup:
        with contextlib.suppress(TelegramBadRequest):
            await callback.message.edit_reply_markup(reply_markup=None)


async def _draft_or_reset(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> PitchDraft | None:
    """The resident's draft; if it has gone (deleted after 30 days), say so and reset."""
    draft = await pitching.current_draft(session, user.telegram_id)
    if draft is None:
        await state.clear()
        await message.answer(views.draft_gone(), reply_markup=main_menu_keyboard())
    return draft


# --- starting and resuming -----------------------------------------------------------------


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
        text, markup = views.resume_offer(draft)
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
    hood = city.neighbourhood(place_code) if place_code else None
    area = city.area(place_code) if place_code else None
    draft = await pitching.start_draft(
        session,
        user_id=user.telegram_id,
        language=user.locale,
        now=utcnow(),
        area_code=hood.area if hood else (area.code if area else None),
        neighbourhood_code=hood.code if hood else None,
    )
    await message.answer(views.intro())
    await show_step(message, state, draft, city)


async def cmd_pitch(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    await begin_pitch(message, state, session, user, city)


async def cmd_cancel(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    await state.set_state(PitchForm.cancel)
    text, markup = views.cancel_question(draft.step)
    await message.answer(text, reply_markup=markup)


# --- answers typed or sent -------------------------------------------------------------------


async def on_text_answer(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
) -> None:
    """Title, need, the submitter's name or an e-mail address, by the current state."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    current = await state.get_state()
    now = utcnow()
    try:
        if current == PitchForm.title.state:
            draft = await pitching.answer_title(session, draft=draft, text=message.text, now=now)
        elif current == PitchForm.need.state:
            draft = await pitching.answer_need(session, draft=draft, text=message.text, now=now)
        elif current == PitchForm.who_name.state:
            draft = await pitching.answer_submitter_name(
                session, draft=draft, text=message.text, now=now
            )
        else:
            draft = await pitching.set_email(session, draft=draft, text=message.text, now=now)
            await ask_consent(message, state, draft, city)
            return
    except InvalidAnswer as error:
        if current == PitchForm.email.state:
            error.reason = "invalid_email" if error.reason == "invalid" else error.reason
            text, markup = views.email_question()
            await message.answer(f"{views.invalid_note(error)}\n\n{text}", reply_markup=markup)
        elif current == PitchForm.who_name.state:
            text, markup = views.who_name_question()
            await message.answer(f"{views.invalid_note(error)}\n\n{text}", reply_markup=markup)
        else:
            await show_step(message, state, draft, city, note=views.invalid_note(error))
        return
    await show_step(message, state, draft, city)


async def on_text_state_other_content(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """A sticker, photo or file where text is asked: explain and ask again."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    current = await state.get_state()
    if current == PitchForm.who_name.state:
        text, markup = views.who_name_question()
    elif current == PitchForm.email.state:
        text, markup = views.email_question()
    else:
        await show_step(message, state, draft, city, note=views.text_needed_note())
        return
    await message.answer(f"{views.text_needed_note()}\n\n{text}", reply_markup=markup)


async def on_idea_text(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    try:
        draft = await pitching.set_idea_text(session, draft=draft, text=message.text, now=utcnow())
    except InvalidAnswer as error:
        await show_step(message, state, draft, city, note=views.invalid_note(error))
        return
    await show_step(message, state, draft, city)


async def on_idea_media(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """A photo or voice note for the idea, kept by its Telegram file id."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    if message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    else:
        kind, file_id = "voice", message.voice.file_id  # type: ignore[union-attr]
    try:
        draft = await pitching.add_idea_media(
            session, draft=draft, kind=kind, file_id=file_id, caption=message.caption, now=utcnow()
        )
    except InvalidAnswer as error:
        await show_step(message, state, draft, city, note=views.invalid_note(error))
        return
    await show_step(message, state, draft, city)


async def on_idea_other_content(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    draft = await _draft_or_reset(message, state, session, user)
    if draft is not None:
        await show_step(message, state, draft, city, note=views.idea_content_note())


async def on_location(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """A shared location proposes the nearest neighbourhood; only the answer is stored."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    location = message.location
    hood = nearest_neighbourhood(city, location.latitude, location.longitude)  # type: ignore[union-attr]
    await state.set_state(PitchForm.where)
    locale = _current_locale()
    if hood is None:
        await message.answer(
            views.outside_city_note(city, locale), reply_markup=ReplyKeyboardRemove()
        )
        await show_step(message, state, draft, city)
        return
    await message.answer(_("📍 Thank you!"), reply_markup=ReplyKeyboardRemove())
    text, markup = views.location_proposal(city, hood.code, locale)
    await message.answer(text, reply_markup=markup)


async def on_location_state_text(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """While waiting for a location: 'choose from the list' or anything else leads back."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    if message.text != views.choose_from_list_label():
        text, markup = views.location_request()
        await message.answer(f"{views.buttons_needed_note()}\n\n{text}", reply_markup=markup)
        return
    await message.answer(_("All right."), reply_markup=ReplyKeyboardRemove())
    await show_step(message, state, draft, city)


async def on_contact_shared(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    contact = message.contact
    try:
        draft = await pitching.set_phone(
            session,
            draft=draft,
            phone_number=contact.phone_number,  # type: ignore[union-attr]
            contact_user_id=contact.user_id,  # type: ignore[union-attr]
            now=utcnow(),
        )
    except InvalidAnswer as error:
        text, markup = views.phone_request()
        await message.answer(f"{views.invalid_note(error)}\n\n{text}", reply_markup=markup)
        return
    await message.answer(_("📞 Thank you!"), reply_markup=ReplyKeyboardRemove())
    await ask_consent(message, state, draft, city)


async def on_phone_state_other(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """While waiting for a phone number: Back returns to the contact choice."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    if message.text == views.back_label():
        await message.answer(_("All right."), reply_markup=ReplyKeyboardRemove())
        await show_step(message, state, draft, city)
        return
    text, markup = views.phone_request()
    await message.answer(
        f"{views.invalid_note(InvalidAnswer('not_own'))}\n\n{text}", reply_markup=markup
    )


async def on_button_state_input(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """Typing (or sending anything) where buttons are asked: point to them, ask again."""
    draft = await _draft_or_reset(message, state, session, user)
    if draft is None:
        return
    await show_step(message, state, draft, city, note=views.buttons_needed_note())


async def ask_consent(
    message: Message, state: FSMContext, draft: PitchDraft, city: CityData
) -> None:
    incubator = city.incubator(pitching.incubator_for(draft, city))
    await state.set_state(PitchForm.consent)
    name = incubator.name(_current_locale()) if incubator else ""
    text, markup = views.consent_question(name)
    await message.answer(text, reply_markup=markup)


# --- buttons -------------------------------------------------------------------------------


async def on_pitch_button(
    callback: CallbackQuery,
    callback_data: PitchCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Every pitch button. The data say which step they belong to; the server checks that
    the resident's draft is at that step, and every code against the city's data."""
    message = callback.message
    draft = await pitching.current_draft(session, user.telegram_id)
    if draft is None or draft.step != callback_data.step or not isinstance(message, Message):
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    action, value, now = callback_data.action, callback_data.value, utcnow()
    locale = _current_locale()
    current = await state.get_state()
    try:
        if action == "back":
            await _close_keyboard(callback)
            if current == PitchForm.who_name.state:
                await show_step(message, state, draft, city)
                return
            draft = await pitching.go_back(session, draft=draft, now=now)
        elif action == "cancel":
            await state.set_state(PitchForm.cancel)
            text, markup = views.cancel_question(draft.step)
            await message.answer(text, reply_markup=markup)
            return
        elif action == "discard":
            await _close_keyboard(callback)
            await pitching.discard_draft(session, user_id=user.telegram_id)
            await state.clear()
            await message.answer(views.draft_deleted(), reply_markup=main_menu_keyboard())
            return
        elif action == "keep":
            await _close_keyboard(callback)
            await state.clear()
            await message.answer(views.draft_kept(), reply_markup=main_menu_keyboard())
            return
        elif action == "resume":
            await _close_keyboard(callback)
        elif action == "restart":
            await _close_keyboard(callback)
            await start_new(message, state, session, user, city)
            return
        elif action == "next" and draft.step == "idea":
            await _close_keyboard(callback)
            draft = await pitching.finish_idea(session, draft=draft, now=now)
        elif draft.step == "where" and action in WHERE_ACTIONS:
            await _on_where_button(callback, message, state, session, draft, city, action, value)
            return
        elif action == "theme" and draft.step == "theme":
            await _close_keyboard(callback)
            draft = await pitching.choose_theme(
                session, draft=draft, city=city, code=value, now=now
            )
        elif action == "toggle" and draft.step == "support":
            draft = await pitching.toggle_support(
                session, draft=draft, city=city, code=value, now=now
            )
            _text, markup = views.support_question(draft, city, locale)
            with contextlib.suppress(TelegramBadRequest):
                await message.edit_reply_markup(reply_markup=markup)
            return
        elif action == "done" and draft.step in rules.OPTIONAL_STEPS:
            await _close_keyboard(callback)
            draft = await pitching.finish_step(session, draft=draft, now=now)
        elif action == "kind" and draft.step == "who":
            await _close_keyboard(callback)
            draft = await pitching.choose_submitter_kind(session, draft=draft, kind=value, now=now)
            await state.set_state(PitchForm.who_name)
            text, markup = views.who_name_question()
            await message.answer(text, reply_markup=markup)
            return
        elif draft.step == "contact" and action in CONTACT_ACTIONS:
            await _close_keyboard(callback)
            await _on_contact_button(message, state, session, draft, city, action)
            return
        elif draft.step == rules.SUMMARY and action in {"submit", "edit", "field", "summary"}:
            if action == "submit":
                await _close_keyboard(callback)
                await _submit(message, state, session, user, city, bot, i18n, settings)
                return
            if action == "edit":
                await state.set_state(PitchForm.edit)
                text, markup = views.edit_menu()
                await message.answer(text, reply_markup=markup)
                return
            await _close_keyboard(callback)
            if action == "field":
                draft = await pitching.edit_field(session, draft=draft, step=value, now=now)
        else:
            logger.info("user %s pressed a button not valid here", user.telegram_id)
            await message.answer(views.buttons_needed_note())
            return
    except InvalidAnswer:
        logger.info("user %s sent a pitch button with data that do not check", user.telegram_id)
        await show_step(message, state, draft, city, note=views.buttons_needed_note())
        return
    await show_step(message, state, draft, city)


async def _submit(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    try:
        pitch = await pitching.submit_draft(
            session, user_id=user.telegram_id, language=user.locale, city=city, now=utcnow()
        )
    except InvalidAnswer:
        draft = await _draft_or_reset(message, state, session, user)
        if draft is not None:
            first_missing = pitching.missing_answers(draft)[0]
            draft = await pitching.edit_field(
                session, draft=draft, step=first_missing, now=utcnow()
            )
            await show_step(message, state, draft, city, note=_("One answer is still missing."))
        return
    await state.clear()
    incubator = city.incubator(pitch.incubator_code)
    name = incubator.name(_current_locale()) if incubator else pitch.incubator_code
    await message.answer(
        views.submitted(pitch.reference, pitch.title, name), reply_markup=main_menu_keyboard()
    )
    logger.info("user %s submitted pitch %s", user.telegram_id, pitch.id)
    await deliver_pitch(bot, session, pitch=pitch, city=city, i18n=i18n, settings=settings)


WHERE_ACTIONS = frozenset({"area", "page", "areas", "hood", "wholearea", "city", "locate"})
CONTACT_ACTIONS = frozenset({"chat", "phone", "email", "contact", "yes", "no"})


async def _on_where_button(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
    action: str,
    value: str,
) -> None:
    """Areas and pages of neighbourhoods change the message in place; a choice moves on."""
    locale, now = _current_locale(), utcnow()
    if action in {"area", "page"}:
        area_code, _sep, page = value.partition(".")
        if city.area(area_code) is None or (action == "page" and not page.isdigit()):
            raise InvalidAnswer("invalid")
        text, markup = views.neighbourhood_question(city, area_code, int(page or 0), locale)
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text(text, reply_markup=markup)
        return
    if action == "areas":
        await state.set_state(PitchForm.where)
        text, markup = views.area_question(draft, city, locale)
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_text(text, reply_markup=markup)
        return
    if action == "locate":
        await _close_keyboard(callback)
        await state.set_state(PitchForm.location)
        text, reply_markup = views.location_request()
        await message.answer(text, reply_markup=reply_markup)
        return
    await _close_keyboard(callback)
    if action == "hood":
        draft = await pitching.choose_place(
            session, draft=draft, city=city, neighbourhood_code=value, now=now
        )
    elif action == "wholearea":
        draft = await pitching.choose_place(
            session, draft=draft, city=city, area_code=value, now=now
        )
    else:
        draft = await pitching.choose_place(
            session, draft=draft, city=city, whole_city=True, now=now
        )
    await show_step(message, state, draft, city)


async def _on_contact_button(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    draft: PitchDraft,
    city: CityData,
    action: str,
) -> None:
    """The contact choice, its phone and e-mail follow-ups, and the consent."""
    now = utcnow()
    if action == "chat":
        draft = await pitching.contact_in_chat_only(session, draft=draft, now=now)
        await ask_consent(message, state, draft, city)
    elif action == "phone":
        await state.set_state(PitchForm.phone)
        text, reply_markup = views.phone_request()
        await message.answer(text, reply_markup=reply_markup)
    elif action == "email":
        await state.set_state(PitchForm.email)
        text, markup = views.email_question()
        await message.answer(text, reply_markup=markup)
    elif action == "contact":
        await show_step(message, state, draft, city)
    elif action == "yes":
        draft = await pitching.give_consent(session, draft=draft, now=now)
        await show_step(message, state, draft, city)
    else:
        text, markup = views.no_consent()
        await message.answer(text, reply_markup=markup)


# --- /mypitches ----------------------------------------------------------------------------


async def cmd_my_pitches(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    pitches = await pitching.pitches_for_resident(session, user.telegram_id)
    await message.answer(
        views.my_pitches(pitches, city, _current_locale(), settings.tz),
        reply_markup=main_menu_keyboard(),
    )


def create_router() -> Router:
    router = Router(name="pitch")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")

    router.message.register(cmd_pitch, Command("pitch", "idea", "ide", "idea_nueva"))
    router.message.register(cmd_my_pitches, Command("mypitches", "myideas"))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(*PitchForm.__states__))
    router.callback_query.register(on_pitch_button, PitchCB.filter())

    not_command = ~F.text.startswith("/")
    router.message.register(on_text_answer, StateFilter(*TEXT_STATES), F.text, not_command)
    router.message.register(on_text_state_other_content, StateFilter(*TEXT_STATES), ~F.text)
    router.message.register(on_idea_text, PitchForm.idea, F.text, not_command)
    router.message.register(on_idea_media, PitchForm.idea, F.photo | F.voice)
    router.message.register(on_idea_other_content, PitchForm.idea, ~F.text)
    router.message.register(
        on_location, StateFilter(PitchForm.location, PitchForm.where), F.location
    )
    router.message.register(on_location_state_text, PitchForm.location, ~F.text.startswith("/"))
    router.message.register(on_contact_shared, PitchForm.phone, F.contact)
    router.message.register(on_phone_state_other, PitchForm.phone, ~F.text.startswith("/"))
    router.message.register(on_button_state_input, StateFilter(*BUTTON_STATES), not_command)
    return router
