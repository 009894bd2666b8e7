"""/newevent: the wizard, step by step, then a preview to publish now or at a chosen time.

Every step has Back and Cancel (and Skip where optional); typed answers are read by
core.event_wizard (the readers /editevent uses too); the use case checks the right again
when the event is stored.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_admin_texts as texts
from core.callbacks import EventAdminCB
from core.city import CityData
from core.config import Settings
from core.event_fields import FieldProblem
from core.event_rights import publish_refusal
from core.event_texts import kind_name
from core.event_wizard import (
    CITY_WIDE,
    OPTIONAL_STEPS,
    PREVIOUS,
    STEP_OF_PROBLEM,
    WizardDraft,
    next_step,
)
from core.languages import reading_locale
from core.outbox_messages import OutboxWaker
from core.schedule import EventJobs
from core.services import event_publishing as publishing
from core.services.roles import NotAllowed, Roles
from handlers.event_admin import keyboards
from handlers.event_admin.common import refuse, renderer, wake
from handlers.event_admin.filters import AtStep, Draft
from handlers.event_admin.states import NewEvent, step_of
from handlers.filters import Staff
from storage.models import utcnow

TYPED_STATES = (
    NewEvent.title,
    NewEvent.description,
    NewEvent.extra_title,
    NewEvent.extra_description,
    NewEvent.start,
    NewEvent.end,
    NewEvent.place,
    NewEvent.capacity,
    NewEvent.signup,
)
BUTTON_STATES = (NewEvent.kind, NewEvent.languages, NewEvent.area, NewEvent.preview)


async def ask(
    message: Message,
    state: FSMContext,
    step: str,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    """Put the conversation at `step` and ask its question (or show the preview)."""
    step = draft.step_to_ask(step)
    await state.set_state(getattr(NewEvent, step))
    locale = reading_locale()
    if step == "preview":
        text = texts.preview_text(draft, city, locale, settings.tz)
    else:
        text = texts.wizard_question(step, draft, locale, settings.tz)
    await message.answer(text, reply_markup=keyboards.wizard_keyboard(step, draft, roles, city))


async def cmd_newevent(
    message: Message, state: FSMContext, roles: Roles, city: CityData, settings: Settings
) -> None:
    await state.clear()
    draft = WizardDraft(lang=reading_locale())
    await state.set_data(draft.to_data())
    await ask(message, state, "kind", draft, roles, city, settings)


async def on_answer(
    message: Message,
    state: FSMContext,
    raw_state: str,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    """A typed answer to the current step."""
    step = step_of(raw_state) or "kind"
    try:
        draft = draft.answer(step, message.text, now=utcnow(), tz=settings.tz)
    except FieldProblem as problem:
        await message.answer(texts.problem_text(problem, reading_locale(), settings.tz))
        await ask(message, state, step, draft, roles, city, settings)
        return
    await state.set_data(draft.to_data())
    await ask(message, state, next_step(step), draft, roles, city, settings)


async def on_text_at_buttons(
    message: Message,
    state: FSMContext,
    raw_state: str,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    """A message where the step expects a button."""
    await message.answer(_("Please choose with the buttons below."))
    await ask(message, state, step_of(raw_state) or "kind", draft, roles, city, settings)


async def on_not_text(
    message: Message,
    state: FSMContext,
    raw_state: str,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    """A photo, sticker or the like where the step expects text."""
    await message.answer(_("Please answer with text."))
    await ask(message, state, step_of(raw_state) or "kind", draft, roles, city, settings)


async def on_publish_time(
    message: Message,
    state: FSMContext,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
    session: AsyncSession,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None = None,
) -> None:
    """The typed time to publish at: then the event is stored."""
    try:
        publish_at = draft.read_publish_at(message.text, now=utcnow(), tz=settings.tz)
    except FieldProblem as problem:
        await message.answer(texts.problem_text(problem, reading_locale(), settings.tz))
        await ask(message, state, "publish_at", draft, roles, city, settings)
        return
    await _create(
        message, state, draft, publish_at, roles, city, settings, session, i18n, event_jobs, sender
    )


async def _create(
    message: Message,
    state: FSMContext,
    draft: WizardDraft,
    publish_at: datetime | None,
    roles: Roles,
    city: CityData,
    settings: Settings,
    session: AsyncSession,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None,
) -> None:
    try:
        event = await publishing.create_event(
            session,
            actor=roles,
            draft=draft.event_draft(),
            publish_at=publish_at,
            now=utcnow(),
            renderer=renderer(i18n, city, settings),
            event_jobs=event_jobs,
        )
    except NotAllowed as refused:
        step = STEP_OF_PROBLEM.get(refused.reason)
        if step is None:
            await refuse(message, refused.reason)
        else:
            problem = FieldProblem(refused.reason, start=draft.starts_at)
            await message.answer(texts.problem_text(problem, reading_locale(), settings.tz))
        await ask(message, state, step or "area", draft, roles, city, settings)
        return
    await state.clear()
    assert event.id is not None
    await message.answer(texts.created_text(event.id, publish_at, reading_locale(), settings.tz))
    if publish_at is None:
        wake(sender)


# --- the buttons ------------------------------------------------------------------------------


async def on_cancel(callback: CallbackQuery, state: FSMContext, shown: Message) -> None:
    await state.clear()
    await callback.answer()
    await shown.answer(_("Cancelled. Nothing was published."))


async def on_back(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    await callback.answer()
    await ask(shown, state, PREVIOUS[callback_data.step], draft, roles, city, settings)


async def on_skip(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    draft = draft.skip(callback_data.step)
    await state.set_data(draft.to_data())
    await callback.answer()
    await ask(shown, state, next_step(callback_data.step), draft, roles, city, settings)


async def on_kind(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    chosen = draft.with_kind(callback_data.value)
    if chosen is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await state.set_data(chosen.to_data())
    await callback.answer(kind_name(callback_data.value))
    await ask(shown, state, "title", chosen, roles, city, settings)


async def on_extra_language(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    """Another language to write the title and description in."""
    chosen = draft.with_extra_language(callback_data.value)
    if chosen is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await state.set_data(chosen.to_data())
    await callback.answer()
    await ask(shown, state, "extra_title", chosen, roles, city, settings)


async def on_languages_done(
    callback: CallbackQuery,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    await callback.answer()
    await ask(shown, state, "start", draft, roles, city, settings)


async def on_area(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    area_code = None if callback_data.value == CITY_WIDE else callback_data.value
    reason = publish_refusal(roles, area_code, city)
    if reason is not None:  # the use case refuses (and audits) it again when storing
        await refuse(callback, reason)
        return
    draft = draft.with_area(area_code)
    await state.set_data(draft.to_data())
    await callback.answer()
    await ask(shown, state, "capacity", draft, roles, city, settings)


async def on_publish_now(
    callback: CallbackQuery,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
    session: AsyncSession,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None = None,
) -> None:
    await callback.answer()
    await _create(
        shown, state, draft, None, roles, city, settings, session, i18n, event_jobs, sender
    )


async def on_publish_later(
    callback: CallbackQuery,
    state: FSMContext,
    shown: Message,
    draft: WizardDraft,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    await callback.answer()
    await ask(shown, state, "publish_at", draft, roles, city, settings)


def create_router() -> Router:
    router = Router(name="event-admin-wizard")
    router.message.filter(StateFilter(NewEvent), Staff(), Draft())
    router.callback_query.filter(EventAdminCB.filter(), AtStep(NewEvent), Staff(), Draft())
    typed = ~F.text.startswith("/")
    router.message.register(on_text_at_buttons, StateFilter(*BUTTON_STATES), typed)
    router.message.register(on_publish_time, StateFilter(NewEvent.publish_at), F.text, typed)
    router.message.register(on_answer, StateFilter(*TYPED_STATES), F.text, typed)
    router.message.register(on_not_text, ~F.text)
    button = EventAdminCB.filter
    router.callback_query.register(on_cancel, button(F.action == "cancel"))
    router.callback_query.register(on_back, button((F.action == "back") & F.step.in_(PREVIOUS)))
    router.callback_query.register(
        on_skip, button((F.action == "skip") & F.step.in_(OPTIONAL_STEPS))
    )
    router.callback_query.register(on_kind, button((F.step == "kind") & (F.action == "pick")))
    router.callback_query.register(
        on_extra_language, button((F.step == "languages") & (F.action == "language"))
    )
    router.callback_query.register(
        on_languages_done, button((F.step == "languages") & (F.action == "next"))
    )
    router.callback_query.register(on_area, button((F.step == "area") & (F.action == "pick")))
    router.callback_query.register(
        on_publish_now, button((F.step == "preview") & (F.action == "publish"))
    )
    router.callback_query.register(
        on_publish_later, button((F.step == "preview") & (F.action == "later"))
    )
    return router


def create_command_router() -> Router:
    router = Router(name="event-admin-newevent")
    router.message.register(cmd_newevent, Command("newevent"), Staff())
    return router
