"""/broadcast: a free announcement to all subscribers, those of a kind or of an area, after a
preview with the count; its progress is shown in one message edited in place."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
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
from core.event_fields import FieldProblem, read_broadcast
from core.languages import reading_locale
from core.outbox_messages import OutboxWaker, open_progress_message
from core.services import event_publishing as publishing
from core.services.event_publishing import Audience
from core.services.roles import NotAllowed, Roles
from handlers.event_admin import keyboards
from handlers.event_admin.common import refuse, renderer, wake
from handlers.event_admin.filters import AtStep, Written
from handlers.event_admin.states import Announcement, Broadcast
from handlers.filters import Staff
from storage.models import utcnow

logger = logging.getLogger(__name__)


async def _ask_text(message: Message, state: FSMContext) -> None:
    await state.set_state(Broadcast.text)
    await message.answer(
        texts.broadcast_prompt(), reply_markup=keyboards.broadcast_text_keyboard()
    )


async def _ask_audience(message: Message, state: FSMContext, roles: Roles, city: CityData) -> None:
    await state.set_state(Broadcast.audience)
    keyboard = keyboards.audience_keyboard(roles, city)
    await message.answer(_("Who should get it?"), reply_markup=keyboard)


async def cmd_broadcast(message: Message, state: FSMContext) -> None:
    await state.clear()
    await _ask_text(message, state)


async def on_text(
    message: Message, state: FSMContext, roles: Roles, city: CityData, settings: Settings
) -> None:
    try:
        text = read_broadcast(message.text)
    except FieldProblem as problem:
        await message.answer(texts.problem_text(problem, reading_locale(), settings.tz))
        return
    await state.update_data(text=text)
    await _ask_audience(message, state, roles, city)


async def on_not_text(message: Message) -> None:
    await message.answer(_("Please write the announcement as text."))


async def on_misplaced(
    message: Message, state: FSMContext, raw_state: str, roles: Roles, city: CityData
) -> None:
    """A message where the announcement expects a button."""
    await message.answer(_("Please choose with the buttons below."))
    if raw_state == Broadcast.audience.state:
        await _ask_audience(message, state, roles, city)


async def on_cancel(callback: CallbackQuery, state: FSMContext, shown: Message) -> None:
    await state.clear()
    await callback.answer()
    await shown.answer(_("Cancelled. Nothing was sent."))


async def on_back_to_text(callback: CallbackQuery, state: FSMContext, shown: Message) -> None:
    await callback.answer()
    await _ask_text(shown, state)


async def on_back_to_audience(
    callback: CallbackQuery, state: FSMContext, shown: Message, roles: Roles, city: CityData
) -> None:
    await callback.answer()
    await _ask_audience(shown, state, roles, city)


async def on_audience(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    shown: Message,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
    announcement: Announcement,
) -> None:
    audience = Audience.parse(callback_data.value)
    if audience is None:
        await callback.answer(_("This button is no longer valid."))
        return
    try:
        recipients = await publishing.broadcast_recipients(
            session, actor=roles, audience=audience, city=city, now=utcnow()
        )
    except NotAllowed as refused:
        await refuse(callback, refused.reason)
        return
    await callback.answer()
    if not recipients:
        await shown.answer(
            _("Nobody subscribes to that yet, so nobody would get it. Choose another:"),
            reply_markup=keyboards.audience_keyboard(roles, city),
        )
        return
    await state.update_data(audience=audience.value())
    await state.set_state(Broadcast.confirm)
    name = texts.audience_name(audience, city, reading_locale())
    preview = texts.broadcast_preview(announcement.text, len(recipients), name)
    await shown.answer(preview, reply_markup=keyboards.broadcast_confirm_keyboard())


async def on_send(
    callback: CallbackQuery,
    state: FSMContext,
    shown: Message,
    bot: Bot,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    announcement: Announcement,
    sender: OutboxWaker | None = None,
) -> None:
    assert announcement.audience is not None  # the filter Written(audience=True)
    await state.clear()
    await callback.answer()
    await shown.edit_reply_markup(reply_markup=None)
    locale = reading_locale()
    report_id = await open_progress_message(bot, i18n, chat_id=shown.chat.id, locale=locale)
    try:
        _campaign, queued = await publishing.send_broadcast(
            session,
            actor=roles,
            typed_text=announcement.text,
            audience=announcement.audience,
            report_chat_id=shown.chat.id,
            report_message_id=report_id,
            report_locale=locale,
            now=utcnow(),
            renderer=renderer(i18n, city, settings),
        )
    except NotAllowed as refused:
        await refuse(shown, refused.reason)
        return
    logger.info("broadcast by %s queued for %s", roles.user_id, queued)
    wake(sender)


def create_router() -> Router:
    router = Router(name="event-admin-broadcast")
    router.message.filter(StateFilter(Broadcast), Staff())
    router.callback_query.filter(EventAdminCB.filter(), AtStep(Broadcast), Staff())
    typed = ~F.text.startswith("/")
    router.message.register(on_text, StateFilter(Broadcast.text), F.text, typed)
    router.message.register(on_not_text, StateFilter(Broadcast.text), ~F.text)
    router.message.register(on_misplaced, typed)
    button = EventAdminCB.filter
    router.callback_query.register(on_cancel, button(F.action == "cancel"))
    router.callback_query.register(
        on_back_to_text, button((F.step == "audience") & (F.action == "back"))
    )
    router.callback_query.register(
        on_audience, button((F.step == "audience") & (F.action == "pick")), Written()
    )
    router.callback_query.register(
        on_back_to_audience, button((F.step == "confirm") & (F.action == "back"))
    )
    router.callback_query.register(
        on_send, button((F.step == "confirm") & (F.action == "send")), Written(audience=True)
    )
    return router


def create_command_router() -> Router:
    router = Router(name="event-admin-broadcast-command")
    router.message.register(cmd_broadcast, Command("broadcast"), Staff())
    return router
