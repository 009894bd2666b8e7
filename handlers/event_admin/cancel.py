"""/cancelevent <number>: the event's card and a yes/no question. The yes carries the
version the card showed; the use case refuses it if the event changed since."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_admin_texts as texts
from core.callbacks import EventCancelCB
from core.city import CityData
from core.config import Settings
from core.event_texts import event_card
from core.languages import reading_locale
from core.outbox_messages import OutboxWaker
from core.schedule import EventJobs
from core.services import event_changes as changes
from core.services.roles import NotAllowed, Roles
from handlers.event_admin import keyboards
from handlers.event_admin.common import refuse, renderer, wake
from handlers.event_admin.edit import read_event_number
from handlers.event_admin.filters import Shown
from handlers.filters import Staff
from storage.models import utcnow


async def cmd_cancelevent(
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
        await message.answer(texts.usage_text("cancelevent"))
        return
    try:
        event = await changes.event_for_change(
            session, actor=roles, event_id=event_id, now=utcnow(), city=city
        )
    except NotAllowed as refused:
        await refuse(message, refused.reason)
        return
    card = event_card(event, city, reading_locale(), settings.tz)
    await message.answer(
        texts.cancel_question(card), reply_markup=keyboards.cancel_event_keyboard(event)
    )


async def on_yes(
    callback: CallbackQuery,
    callback_data: EventCancelCB,
    shown: Message,
    session: AsyncSession,
    roles: Roles,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    event_jobs: EventJobs,
    sender: OutboxWaker | None = None,
) -> None:
    try:
        event, told = await changes.cancel_event(
            session,
            actor=roles,
            event_id=callback_data.event_id,
            expected_version=callback_data.version,
            now=utcnow(),
            renderer=renderer(i18n, city, settings),
            event_jobs=event_jobs,
        )
    except NotAllowed as refused:
        await refuse(callback, refused.reason)
        return
    await callback.answer()
    await shown.edit_reply_markup(reply_markup=None)
    assert event.id is not None
    await shown.answer(texts.cancelled_text(event.id, told))
    if told:
        wake(sender)


async def on_no(callback: CallbackQuery, shown: Message) -> None:
    await callback.answer()
    await shown.edit_reply_markup(reply_markup=None)
    await shown.answer(_("Good, the event stays on."))


def create_router() -> Router:
    router = Router(name="event-admin-cancel")
    router.message.register(cmd_cancelevent, Command("cancelevent"), Staff())
    router.callback_query.register(
        on_yes, EventCancelCB.filter(F.action == "yes"), Shown(), Staff()
    )
    router.callback_query.register(on_no, EventCancelCB.filter(F.action == "no"), Shown(), Staff())
    return router
