"""/editevent <number>: choose a field, type (or choose) its new value. The use cases check
the right, that the event is still on and unchanged since it was shown, and read the typed
value with the wizard's readers."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_admin_texts as texts
from core.callbacks import EventAdminCB
from core.city import CityData
from core.config import Settings
from core.event_fields import EDIT_FIELDS, SKIPPABLE_FIELDS, TYPED_FIELDS, FieldProblem
from core.event_texts import event_card
from core.event_wizard import CITY_WIDE
from core.inputs import read_db_id
from core.languages import reading_locale
from core.outbox_messages import OutboxWaker
from core.schedule import EventJobs
from core.services import event_changes as changes
from core.services.roles import NotAllowed, Roles
from handlers.event_admin import keyboards
from handlers.event_admin.common import refuse, renderer, wake
from handlers.event_admin.filters import AtStep, Target
from handlers.event_admin.states import EditEvent, EditTarget
from handlers.filters import Staff
from storage.models import Event, utcnow

# A refusal of the area chosen keeps the question open: another area may be chosen.
AREA_REFUSALS = frozenset({"not_your_area", "unknown_area"})


def read_event_number(command: CommandObject) -> int | None:
    """The event's number after the command ('12' or '#12'); None when it is not one."""
    return read_db_id((command.args or "").strip().removeprefix("#"))


async def _show_fields(
    message: Message, event: Event, city: CityData, settings: Settings, *, card: bool
) -> None:
    """What can be changed (under the event's card, when the edit starts)."""
    fields = texts.field_names(scheduled=event.status == "scheduled")
    question = _("What do you want to change?")
    if card:
        question = "\n".join(
            [event_card(event, city, reading_locale(), settings.tz), "", question]
        )
    await message.answer(question, reply_markup=keyboards.fields_keyboard(fields))


async def _ask_value(message: Message, field: str, roles: Roles, city: CityData) -> None:
    skip = field in SKIPPABLE_FIELDS
    keyboard = keyboards.value_keyboard(field, skip=skip, roles=roles, city=city)
    await message.answer(texts.edit_question(field), reply_markup=keyboard)


async def cmd_editevent(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    await state.clear()
    event_id = read_event_number(command)
    if event_id is None:
        await message.answer(texts.usage_text("editevent"))
        return
    try:
        event = await changes.event_for_change(
            session, actor=roles, event_id=event_id, now=utcnow(), city=city
        )
    except NotAllowed as refused:
        await refuse(message, refused.reason)
        return
    assert event.id is not None
    await state.set_state(EditEvent.field)
    await state.set_data(EditTarget(event.id, event.version, reading_locale()).to_data())
    await _show_fields(message, event, city, settings, card=True)


async def on_pick_field(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    target: EditTarget,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
) -> None:
    try:
        await changes.event_for_change(
            session,
            actor=roles,
            event_id=target.event_id,
            now=utcnow(),
            city=city,
            expected_version=target.version,
        )
    except NotAllowed as refused:
        await state.clear()
        await refuse(callback, refused.reason)
        return
    await state.set_state(EditEvent.value)
    await state.set_data(replace(target, field=callback_data.value).to_data())
    await callback.answer()
    await _ask_value(shown, callback_data.value, roles, city)


async def on_back(
    callback: CallbackQuery,
    state: FSMContext,
    shown: Message,
    target: EditTarget,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    """Back from a field's question to the choice of field."""
    try:
        event = await changes.event_for_change(
            session, actor=roles, event_id=target.event_id, now=utcnow(), city=city
        )
    except NotAllowed as refused:
        await state.clear()
        await refuse(callback, refused.reason)
        return
    await state.set_state(EditEvent.field)
    await state.set_data(replace(target, field=None).to_data())
    await callback.answer()
    await _show_fields(shown, event, city, settings, card=False)


async def on_cancel(callback: CallbackQuery, state: FSMContext, shown: Message) -> None:
    await state.clear()
    await callback.answer()
    await shown.answer(_("Cancelled. Nothing was changed."))


async def _answer(
    message: Message,
    state: FSMContext,
    target: EditTarget,
    text: str | None,
    roles: Roles,
    city: CityData,
    settings: Settings,
    session: AsyncSession,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None,
) -> None:
    """The typed (or, None, skipped) new value of the field, stored by the use case."""
    assert target.field is not None
    try:
        event, told = await changes.answer_edit(
            session,
            actor=roles,
            event_id=target.event_id,
            expected_version=target.version,
            field=target.field,
            text=text,
            locale=target.lang,
            now=utcnow(),
            renderer=renderer(i18n, city, settings),
            event_jobs=event_jobs,
        )
    except FieldProblem as problem:
        await message.answer(texts.problem_text(problem, reading_locale(), settings.tz))
        await _ask_value(message, target.field, roles, city)
        return
    except NotAllowed as refused:
        await state.clear()
        await refuse(message, refused.reason)
        return
    await _done(message, state, event, told, sender)


async def _done(
    message: Message, state: FSMContext, event: Event, told: int, sender: OutboxWaker | None
) -> None:
    await state.clear()
    assert event.id is not None
    await message.answer(texts.changed_text(event.id, told))
    wake(sender)  # what the change queued (notices, places given to those waiting)


async def on_value_text(
    message: Message,
    state: FSMContext,
    target: EditTarget,
    roles: Roles,
    city: CityData,
    settings: Settings,
    session: AsyncSession,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None = None,
) -> None:
    text = message.text
    await _answer(
        message, state, target, text, roles, city, settings, session, i18n, event_jobs, sender
    )


async def on_skip(
    callback: CallbackQuery,
    state: FSMContext,
    shown: Message,
    target: EditTarget,
    roles: Roles,
    city: CityData,
    settings: Settings,
    session: AsyncSession,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None = None,
) -> None:
    """Skip removes an optional field (the description, the limit of places, the link)."""
    await callback.answer()
    await _answer(
        shown, state, target, None, roles, city, settings, session, i18n, event_jobs, sender
    )


async def on_area(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    target: EditTarget,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None = None,
) -> None:
    area_code = None if callback_data.value == CITY_WIDE else callback_data.value
    try:
        event, told = await changes.edit_event(
            session,
            actor=roles,
            event_id=target.event_id,
            expected_version=target.version,
            changes={"area_code": area_code},
            now=utcnow(),
            renderer=renderer(i18n, city, settings),
            event_jobs=event_jobs,
        )
    except NotAllowed as refused:
        if refused.reason not in AREA_REFUSALS:
            await state.clear()
        await refuse(callback, refused.reason)
        return
    await callback.answer()
    await _done(shown, state, event, told, sender)


async def on_text_at_field(message: Message) -> None:
    await message.answer(_("Please choose with the buttons above what to change."))


async def on_text_for_area(
    message: Message, target: EditTarget, roles: Roles, city: CityData
) -> None:
    await message.answer(_("Please choose with the buttons below."))
    await _ask_value(message, "area", roles, city)


async def on_not_text(message: Message, target: EditTarget, roles: Roles, city: CityData) -> None:
    await message.answer(_("Please answer with text."))
    await _ask_value(message, target.field or "title", roles, city)


def create_router() -> Router:
    router = Router(name="event-admin-edit")
    router.message.filter(StateFilter(EditEvent), Staff(), Target())
    router.callback_query.filter(EventAdminCB.filter(), AtStep(EditEvent), Staff(), Target())
    typed = ~F.text.startswith("/")
    router.message.register(on_text_at_field, StateFilter(EditEvent.field), typed)
    router.message.register(on_text_for_area, Target("area"), typed)
    router.message.register(on_value_text, F.text, typed, Target(*TYPED_FIELDS))
    router.message.register(on_not_text, ~F.text)
    button = EventAdminCB.filter
    router.callback_query.register(on_cancel, button(F.action == "cancel"))
    router.callback_query.register(
        on_pick_field,
        button((F.step == "field") & (F.action == "pick") & F.value.in_(EDIT_FIELDS)),
    )
    router.callback_query.register(on_back, button((F.step == "value") & (F.action == "back")))
    router.callback_query.register(
        on_skip, button((F.step == "value") & (F.action == "skip")), Target(*SKIPPABLE_FIELDS)
    )
    router.callback_query.register(
        on_area, button((F.step == "value") & (F.action == "pick")), Target("area")
    )
    return router


def create_command_router() -> Router:
    router = Router(name="event-admin-editevent")
    router.message.register(cmd_editevent, Command("editevent"), Staff())
    return router
