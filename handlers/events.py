"""Events for residents: /events, an event's card, Going / Not going, the calendar file,
/subscribe and /unsubscribe (and the 🔕 button on announcements)."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration
from babel.lists import format_list
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_texts
from core.callbacks import (
    EVENT_ACTIONS,
    SUBSCRIPTION_ACTIONS,
    EventCB,
    EventsPageCB,
    MenuCB,
    SubscriptionCB,
)
from core.city import CityData
from core.config import Settings
from core.ics import event_ics, ics_filename
from core.services import attendance as service
from core.services.roles import roles_of
from storage import events as data
from storage.events import SubscriptionChoice
from storage.models import EVENT_KINDS, Event, User, utcnow

if TYPE_CHECKING:
    from core.outbox_messages import OutboxWaker

logger = logging.getLogger(__name__)
quote = html_decoration.quote

EVENTS_PAGE = 5


class SubscriptionForm(StatesGroup):
    choosing = State()


def _locale() -> str:
    return I18n.get_current().current_locale


# --- the list and one event -----------------------------------------------------------------


async def _is_staff(session: AsyncSession, user_id: int, settings: Settings) -> bool:
    return (await roles_of(session, user_id, settings.admin_ids)).is_staff


async def events_page(
    session: AsyncSession, *, page: int, staff: bool, city: CityData, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of upcoming events, soonest first, with a details button for each."""
    now = utcnow()
    total = await data.count_upcoming_events(session, now=now)
    if total == 0:
        text = _(
            "There are no meetings planned right now. New ones are announced here: "
            "with /subscribe I will tell you as soon as there is one."
        )
        return text, None
    last_page = (total - 1) // EVENTS_PAGE
    page = min(max(page, 0), last_page)
    found = await data.upcoming_events(
        session, now=now, limit=EVENTS_PAGE, offset=page * EVENTS_PAGE
    )
    counts = await data.rsvp_counts_for(session, [e.id for e in found])  # type: ignore[misc]
    locale = _locale()
    heading = _("📅 <b>Coming meetings</b> ({first}–{last} of {total})").format(
        first=page * EVENTS_PAGE + 1, last=page * EVENTS_PAGE + len(found), total=total
    )
    lines = [heading]
    builder = InlineKeyboardBuilder()
    for number, event in enumerate(found, start=page * EVENTS_PAGE + 1):
        count = counts.get(event.id, data.RsvpCounts())  # type: ignore[arg-type]
        lines.append(
            event_texts.event_line(
                event,
                city,
                locale,
                settings.tz,
                number=number,
                going=count.going if staff else None,
                waiting=count.waiting if staff else None,
            )
        )
        builder.button(
            text=event_texts.details_button_label(event, locale, number),
            callback_data=EventCB(action="details", event_id=event.id, version=event.version),  # type: ignore[arg-type]
        )
    builder.adjust(1)
    paging = []
    if page > 0:
        paging.append(
            InlineKeyboardButton(
                text=_("◀️ Earlier"), callback_data=EventsPageCB(page=page - 1).pack()
            )
        )
    if page < last_page:
        paging.append(
            InlineKeyboardButton(
                text=_("Later ▶️"), callback_data=EventsPageCB(page=page + 1).pack()
            )
        )
    if paging:
        builder.row(*paging)
    lines.append(_("Choose a meeting for the details and to sign up."))
    return "\n\n".join(lines), builder.as_markup()


async def cmd_events(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    await show_events(message, session, user, city, settings)


async def show_events(
    message: Message, session: AsyncSession, user: User, city: CityData, settings: Settings
) -> None:
    staff = await _is_staff(session, user.telegram_id, settings)
    text, markup = await events_page(session, page=0, staff=staff, city=city, settings=settings)
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


async def on_events_page(
    callback: CallbackQuery,
    callback_data: EventsPageCB,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    if callback_data.page < 0:
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    staff = await _is_staff(session, user.telegram_id, settings)
    text, markup = await events_page(
        session, page=callback_data.page, staff=staff, city=city, settings=settings
    )
    with contextlib.suppress(TelegramBadRequest):  # the same page again: nothing to change
        await callback.message.edit_text(  # type: ignore[union-attr]
            text, reply_markup=markup, disable_web_page_preview=True
        )


async def _card(
    session: AsyncSession, event: Event, user: User, city: CityData, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    assert event.id is not None
    counts = await data.rsvp_counts(session, event.id)
    staff = await _is_staff(session, user.telegram_id, settings)
    answer = await data.get_rsvp(session, event.id, user.telegram_id)
    text = event_texts.event_card(
        event,
        city,
        _locale(),
        settings.tz,
        going=counts.going,
        waiting=counts.waiting if staff else None,
    )
    markup = event_texts.event_keyboard(
        event,
        status=answer.status if answer else None,
        unsubscribe=False,
        full=event_texts.is_full(event, counts.going),
    )
    return text, markup


def _visible(event: Event | None) -> bool:
    """Residents see published and cancelled events, never ones still being prepared."""
    return event is not None and event.status in ("published", "cancelled")


async def send_event_details(
    message: Message,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
    event_id: int,
) -> None:
    """The event's card with its buttons, or a kind word when there is no such event."""
    event = await data.get_event(session, event_id)
    if not _visible(event):
        await message.answer(
            _("I can't find that meeting. Here are the coming ones: /events"),
        )
        return
    text, markup = await _card(session, event, user, city, settings)  # type: ignore[arg-type]
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)


# --- the event's buttons --------------------------------------------------------------------


def _refusal(reason: str) -> str:
    return {
        "missing": _("I can't find that meeting any more."),
        "unpublished": _("I can't find that meeting any more."),
        "cancelled": _("Sorry, this meeting has been cancelled."),
        "past": _("This meeting has already started or is over, so answers are closed."),
        "stale": _(
            "This meeting has changed since this message was sent, so the button no longer "
            "works. Here it is as it is now."
        ),
    }.get(reason, _("This button is no longer valid."))


def _had_unsubscribe(message: Message | None) -> bool:
    markup = message.reply_markup if message is not None else None
    if markup is None:
        return False
    return any(
        (button.callback_data or "").startswith("ev:unsubscribe:")
        for row in markup.inline_keyboard
        for button in row
    )


def _outcome_text(result: service.RsvpResult, before_going: bool, locale: str) -> str:
    title = quote(event_texts.title_for(result.event, locale))
    if result.status == "going":
        if not result.changed:
            return _("You are already on the list for <b>{title}</b>. See you there!").format(
                title=title
            )
        return _(
            "✅ Wonderful, you are on the list for <b>{title}</b>. See you there! "
            "Press 📅 Add to calendar to keep the time."
        ).format(title=title)
    if result.status == "waiting":
        return _(
            "⏳ <b>{title}</b> is full, so I have put you on the waiting list: you are "
            "number {position}. If a place opens up, it is yours and I will tell you here."
        ).format(title=title, position=result.position or 1)
    if before_going:
        return _(
            "Thank you for letting us know. I have taken you off the list for <b>{title}</b>, "
            "so your place can go to someone else."
        ).format(title=title)
    return _("Thank you for letting us know: you are not coming to <b>{title}</b>.").format(
        title=title
    )


async def on_event_button(
    callback: CallbackQuery,
    callback_data: EventCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
    i18n: I18n,
    sender: OutboxWaker | None = None,
) -> None:
    action = callback_data.action
    if action not in EVENT_ACTIONS:
        logger.info("user %s pressed an unknown event button", user.telegram_id)
        await callback.answer(_("This button is no longer valid."))
        return
    message = callback.message if isinstance(callback.message, Message) else None
    if action == "unsubscribe":
        await callback.answer()
        if message is not None:
            await unsubscribe_and_tell(message, state, session, user)
        return
    event = await data.get_event(session, callback_data.event_id)
    if not _visible(event) or message is None:
        await callback.answer(_refusal("missing"), show_alert=True)
        return
    assert event is not None
    if action == "details":
        await callback.answer()
        text, markup = await _card(session, event, user, city, settings)
        await message.answer(text, reply_markup=markup, disable_web_page_preview=True)
        return
    if action == "ics":
        await callback.answer()
        locale = _locale()
        await message.answer_document(
            BufferedInputFile(event_ics(event, locale, settings.tz), filename=ics_filename(event)),
            caption=_("📅 Open this file to add <b>{title}</b> to your calendar.").format(
                title=quote(event_texts.title_for(event, locale))
            ),
        )
        return
    before = await data.get_rsvp(session, event.id, user.telegram_id)  # type: ignore[arg-type]
    before_going = before is not None and before.status == "going"
    try:
        result = await service.rsvp(
            session,
            event_id=callback_data.event_id,
            user_id=user.telegram_id,
            answer=action,
            now=utcnow(),
            i18n=i18n,
            city=city,
            tz=settings.tz,
            version=callback_data.version,
        )
    except service.EventUnavailable as refused:
        logger.info(
            "user %s: answer to event %s refused (%s)",
            user.telegram_id,
            callback_data.event_id,
            refused.reason,
        )
        await callback.answer(_refusal(refused.reason), show_alert=True)
        if refused.reason == "stale" and refused.event is not None:
            text, markup = await _card(session, refused.event, user, city, settings)
            await message.answer(text, reply_markup=markup, disable_web_page_preview=True)
        return
    if result.promoted and sender is not None:
        sender.wake()  # the promoted people's notices are queued
    await callback.answer()
    markup = event_texts.event_keyboard(
        result.event,
        status=result.status,
        unsubscribe=_had_unsubscribe(message),
        full=event_texts.is_full(result.event, result.counts.going),
    )
    with contextlib.suppress(TelegramBadRequest):  # the buttons were already so
        await message.edit_reply_markup(reply_markup=markup)
    await message.answer(_outcome_text(result, before_going, _locale()))


# --- subscriptions --------------------------------------------------------------------------


def _choice_from(values: dict[str, Any]) -> SubscriptionChoice:
    return SubscriptionChoice(
        kinds=frozenset(values.get("kinds", [])),
        areas=frozenset(values.get("areas", [])),
        reminders=bool(values.get("reminders", True)),
        digest=bool(values.get("digest", False)),
    )


def _choice_to(choice: SubscriptionChoice) -> dict[str, Any]:
    return {
        "kinds": sorted(choice.kinds),
        "areas": sorted(choice.areas),
        "reminders": choice.reminders,
        "digest": choice.digest,
    }


def subscription_text() -> str:
    return "\n".join(
        (
            _("🔔 <b>Subscriptions</b>"),
            "",
            _("Choose what I should tell you about:"),
            _("• the kinds of meetings (as many as you like);"),
            _(
                "• the areas of Malmö (choose none for all of Malmö; meetings for the whole "
                "city reach you anyway);"
            ),
            _("• reminders before the meetings you are going to;"),
            _("• a weekly digest of the coming meetings, on Monday mornings."),
            "",
            _("Then press 💾 Save."),
        )
    )


def subscription_keyboard(choice: SubscriptionChoice, city: CityData) -> InlineKeyboardMarkup:
    locale = _locale()
    builder = InlineKeyboardBuilder()

    def mark(on: bool) -> str:
        return "✓ " if on else ""

    for kind in EVENT_KINDS:
        builder.button(
            text=mark(kind in choice.kinds) + event_texts.kind_label(kind),
            callback_data=SubscriptionCB(action="kind", value=kind),
        )
    builder.button(
        text=mark(not choice.areas) + _("🏙 All of Malmö"),
        callback_data=SubscriptionCB(action="all"),
    )
    for area in city.areas:
        builder.button(
            text=mark(area.code in choice.areas) + area.name(locale),
            callback_data=SubscriptionCB(action="area", value=area.code),
        )
    builder.button(
        text=_("🔔 Reminders: on") if choice.reminders else _("🔕 Reminders: off"),
        callback_data=SubscriptionCB(action="reminders"),
    )
    builder.button(
        text=_("📰 Weekly digest: on") if choice.digest else _("📰 Weekly digest: off"),
        callback_data=SubscriptionCB(action="digest"),
    )
    builder.button(text=_("💾 Save"), callback_data=SubscriptionCB(action="save"))
    builder.button(text=_("✖️ Cancel"), callback_data=SubscriptionCB(action="cancel"))
    area_rows = [2] * ((len(city.areas) + 1 + 1) // 2)
    builder.adjust(*([1] * len(EVENT_KINDS)), *area_rows, 1, 1, 2)
    return builder.as_markup()


async def open_subscription(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    """The subscription screen, starting from what is saved (or nothing chosen yet)."""
    saved = await service.subscription_of(session, user.telegram_id)
    choice = saved or SubscriptionChoice()
    await state.set_state(SubscriptionForm.choosing)
    await state.update_data(subscription=_choice_to(choice))
    await message.answer(subscription_text(), reply_markup=subscription_keyboard(choice, city))


async def cmd_subscribe(
    message: Message, state: FSMContext, session: AsyncSession, user: User, city: CityData
) -> None:
    await open_subscription(message, state, session, user, city)


def _toggled(values: frozenset[str], value: str) -> frozenset[str]:
    return values - {value} if value in values else values | {value}


def saved_summary(choice: SubscriptionChoice, city: CityData) -> str:
    locale = _locale()
    kinds = format_list(
        [event_texts.kind_name(k) for k in EVENT_KINDS if k in choice.kinds], locale=locale
    )
    if choice.areas:
        areas = format_list(
            [a.name(locale) for a in city.areas if a.code in choice.areas], locale=locale
        )
    else:
        areas = _("all of Malmö")
    lines = [
        _("✓ Saved. I will tell you about new meetings: {kinds}, in {areas}.").format(
            kinds=quote(kinds), areas=quote(areas)
        ),
        _("🔔 Reminders are on.") if choice.reminders else _("🔕 Reminders are off."),
        _("📰 You get the weekly digest on Monday mornings.")
        if choice.digest
        else _("📰 No weekly digest."),
        "",
        _("Change it any time with /subscribe; /unsubscribe stops everything."),
    ]
    return "\n".join(lines)


async def on_subscription_button(
    callback: CallbackQuery,
    callback_data: SubscriptionCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
) -> None:
    action, value = callback_data.action, callback_data.value
    current = await state.get_state()
    valid = (
        action in SUBSCRIPTION_ACTIONS
        and (action != "kind" or value in EVENT_KINDS)
        and (action != "area" or city.area(value) is not None)
    )
    if current != SubscriptionForm.choosing.state or not valid:
        await callback.answer(
            _("This button is no longer valid. Start again with /subscribe."), show_alert=True
        )
        return
    message = callback.message if isinstance(callback.message, Message) else None
    choice = _choice_from((await state.get_data()).get("subscription", {}))
    if action == "cancel":
        await state.clear()
        await callback.answer()
        if message is not None:
            await message.edit_text(
                _("Nothing changed. /subscribe opens your subscriptions again."),
                reply_markup=None,
            )
        return
    if action == "save":
        try:
            await service.save_subscription(
                session, user_id=user.telegram_id, choice=choice, city=city, now=utcnow()
            )
        except service.InvalidSubscription:
            await callback.answer(
                _("Please choose at least one kind of meeting first."), show_alert=True
            )
            return
        await state.clear()
        await callback.answer()
        if message is not None:
            await message.edit_text(saved_summary(choice, city), reply_markup=None)
        return
    if action == "kind":
        choice = SubscriptionChoice(
            kinds=_toggled(choice.kinds, value),
            areas=choice.areas,
            reminders=choice.reminders,
            digest=choice.digest,
        )
    elif action == "area":
        choice = SubscriptionChoice(
            kinds=choice.kinds,
            areas=_toggled(choice.areas, value),
            reminders=choice.reminders,
            digest=choice.digest,
        )
    elif action == "all":
        choice = SubscriptionChoice(
            kinds=choice.kinds, reminders=choice.reminders, digest=choice.digest
        )
    elif action == "reminders":
        choice = SubscriptionChoice(
            kinds=choice.kinds,
            areas=choice.areas,
            reminders=not choice.reminders,
            digest=choice.digest,
        )
    else:  # digest
        choice = SubscriptionChoice(
            kinds=choice.kinds,
            areas=choice.areas,
            reminders=choice.reminders,
            digest=not choice.digest,
        )
    await state.update_data(subscription=_choice_to(choice))
    await callback.answer()
    if message is not None:
        with contextlib.suppress(TelegramBadRequest):  # e.g. "All of Malmö" pressed twice
            await message.edit_reply_markup(reply_markup=subscription_keyboard(choice, city))


def _subscribe_again_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔔 Subscribe again"), callback_data=MenuCB(action="subscriptions"))
    return builder.as_markup()


async def unsubscribe_and_tell(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    """Stop everything at once, no questions asked, and say how to come back."""
    await service.unsubscribe(session, user_id=user.telegram_id, now=utcnow())
    if await state.get_state() == SubscriptionForm.choosing.state:
        await state.clear()
    await message.answer(
        _(
            "🔕 Done: I won't send you announcements, reminders or the weekly digest any "
            "more. The meetings you said you would come to stay as they are. If you change "
            "your mind, /subscribe starts again."
        ),
        reply_markup=_subscribe_again_keyboard(),
    )


async def cmd_unsubscribe(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    await unsubscribe_and_tell(message, state, session, user)


async def on_menu_button(
    callback: CallbackQuery,
    callback_data: MenuCB,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    city: CityData,
    settings: Settings,
) -> None:
    await callback.answer()
    message = callback.message if isinstance(callback.message, Message) else None
    if message is None:
        return
    if callback_data.action == "events":
        await show_events(message, session, user, city, settings)
    else:
        await open_subscription(message, state, session, user, city)


def create_router() -> Router:
    router = Router(name="events")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_events, Command("events"))
    router.message.register(cmd_subscribe, Command("subscribe"))
    router.message.register(cmd_unsubscribe, Command("unsubscribe"))
    router.callback_query.register(on_event_button, EventCB.filter())
    router.callback_query.register(on_events_page, EventsPageCB.filter())
    router.callback_query.register(on_subscription_button, SubscriptionCB.filter())
    router.callback_query.register(
        on_menu_button, MenuCB.filter(F.action.in_({"events", "subscriptions"}))
    )
    return router
