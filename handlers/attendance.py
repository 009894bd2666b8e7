"""Events for residents: /events, an event's card, Going / Not going and the calendar
file. Subscriptions are in handlers.subscriptions (included here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from core import attendance_texts as views
from core.callbacks import EventCB, EventsPageCB, MenuCB
from core.city import CityData
from core.config import Settings
from core.ics import event_ics, ics_filename
from core.languages import reading_locale
from core.services import attendance
from handlers import subscriptions
from storage.models import Event, User, utcnow

if TYPE_CHECKING:
    from core.outbox_messages import OutboxWaker

# What the buttons of an event's card do, besides the 🔕 (handlers.subscriptions).
CARD_ACTIONS = ("details", "ics", "going", "not_going")


class ButtonEvent(Filter):
    """Loads the event a card's button names, as its action needs it (attendance.button_event)
    and hands it on as `event`; with `refused=True` it matches the refused presses instead,
    handing on the `refusal`."""

    def __init__(self, *, refused: bool = False) -> None:
        self.refused = refused

    async def __call__(
        self, callback: CallbackQuery, callback_data: EventCB, session: AsyncSession
    ) -> bool | dict[str, Any]:
        if not isinstance(callback.message, Message):
            return False
        try:
            event = await attendance.button_event(
                session,
                event_id=callback_data.event_id,
                action=callback_data.action,
                version=callback_data.version,
                now=utcnow(),
            )
        except attendance.EventUnavailable as refusal:
            return {"refusal": refusal} if self.refused else False
        return False if self.refused else {"event": event}


# --- the list -------------------------------------------------------------------------------


async def _page(
    session: AsyncSession, user: User, city: CityData, settings: Settings, page: int
) -> tuple[str, Any]:
    found = await attendance.events_page(
        session, page=page, user_id=user.telegram_id, admin_ids=settings.admin_ids, now=utcnow()
    )
    return views.events_list(found, city, reading_locale(), settings.tz)


async def cmd_events(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    text, markup = await _page(session, user, city, settings, page=0)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def on_menu_events(
    callback: CallbackQuery, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await cmd_events(callback.message, session, user, city, settings)


async def on_events_page(
    callback: CallbackQuery,
    callback_data: EventsPageCB,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    text, markup = await _page(session, user, city, settings, page=callback_data.page)
    await callback.answer()
    await callback.message.edit_text(  # type: ignore[union-attr]
        text, reply_markup=markup, disable_web_page_preview=True
    )


# --- one event ------------------------------------------------------------------------------


async def send_event_details(
    message: Message,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
    event_id: int,
) -> None:
    """The event's card with its buttons, or a kind word when there is no such event."""
    try:
        view = await attendance.event_view(
            session, event_id=event_id, user_id=user.telegram_id, admin_ids=settings.admin_ids
        )
    except attendance.EventUnavailable:
        await message.answer(views.not_found_text())
        return
    text, markup = views.card(view, city, reading_locale(), settings.tz)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def on_details(
    callback: CallbackQuery,
    event: Event,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    await callback.answer()
    message: Message = callback.message  # type: ignore[assignment]
    await send_event_details(message, session, user, city, settings, event.id)  # type: ignore[arg-type]


async def on_calendar(callback: CallbackQuery, event: Event, settings: Settings) -> None:
    """The event as an .ics file in the reader's language."""
    await callback.answer()
    locale = reading_locale()
    await callback.message.answer_document(  # type: ignore[union-attr]
        BufferedInputFile(event_ics(event, locale, settings.tz), filename=ics_filename(event)),
        caption=views.calendar_caption(event, locale),
    )


# --- answers --------------------------------------------------------------------------------


async def on_going(
    callback: CallbackQuery,
    callback_data: EventCB,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    sender: OutboxWaker | None = None,
) -> None:
    await _answer(callback, callback_data, "going", session, user, city, settings, i18n, sender)


async def on_not_going(
    callback: CallbackQuery,
    callback_data: EventCB,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    sender: OutboxWaker | None = None,
) -> None:
    await _answer(
        callback, callback_data, "not_going", session, user, city, settings, i18n, sender
    )


async def _answer(
    callback: CallbackQuery,
    callback_data: EventCB,
    answer: str,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    sender: OutboxWaker | None,
) -> None:
    """Take the answer (the use case re-checks the event under its lock), show the outcome."""
    try:
        result = await attendance.rsvp(
            session,
            event_id=callback_data.event_id,
            user_id=user.telegram_id,
            answer=answer,
            now=utcnow(),
            i18n=i18n,
            city=city,
            tz=settings.tz,
            version=callback_data.version,
        )
    except attendance.EventUnavailable as refusal:
        await on_refused(callback, callback_data, refusal, session, user, city, settings)
        return
    if result.promoted and sender is not None:
        sender.wake()  # the promoted people's notices are queued
    await callback.answer()
    await _show_outcome(callback.message, result)  # type: ignore[arg-type]


async def _show_outcome(message: Message, result: attendance.RsvpResult) -> None:
    """The pressed message's buttons and places left follow the answer; a message says
    where one stands."""
    markup = views.answer_keyboard(result, message.reply_markup)
    shown = message.html_text
    counted = views.counts_after_answer(shown, result)
    if counted == shown:
        await message.edit_reply_markup(reply_markup=markup)
    else:
        await message.edit_text(counted, reply_markup=markup, disable_web_page_preview=True)
    await message.answer(views.answer_text(result, reading_locale()))


async def on_refused(
    callback: CallbackQuery,
    callback_data: EventCB,
    refusal: attendance.EventUnavailable,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    """Say why the button did nothing; a button of an older version gets the event as it
    is now."""
    current = await attendance.refused(
        session,
        refusal=refusal,
        event_id=callback_data.event_id,
        action=callback_data.action,
        user_id=user.telegram_id,
        admin_ids=settings.admin_ids,
        now=utcnow(),
    )
    await callback.answer(views.refusal_text(refusal.reason), show_alert=True)
    if current is not None:
        text, markup = views.card(current, city, reading_locale(), settings.tz)
        await callback.message.answer(  # type: ignore[union-attr]
            text, reply_markup=markup, disable_web_page_preview=True
        )


def create_router() -> Router:
    router = Router(name="attendance")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_events, Command("events"))
    router.callback_query.register(on_menu_events, MenuCB.filter(F.action == "events"))
    router.callback_query.register(on_events_page, EventsPageCB.filter())
    card = (
        ("details", on_details),
        ("ics", on_calendar),
        ("going", on_going),
        ("not_going", on_not_going),
    )
    for action, handler in card:
        router.callback_query.register(handler, EventCB.filter(F.action == action), ButtonEvent())
    router.callback_query.register(
        on_refused, EventCB.filter(F.action.in_(CARD_ACTIONS)), ButtonEvent(refused=True)
    )
    router.include_router(subscriptions.create_router())
    return router
