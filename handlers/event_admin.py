"""Staff publish events: the /newevent wizard, /editevent, /cancelevent and /broadcast.

Every step has Back and Cancel (and Skip where optional); every button carries the step it
belongs to and is refused when the conversation is elsewhere; rights are checked again by
the service when anything is stored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import event_dates
from core.callbacks import EventAdminCB
from core.city import CityData
from core.config import SUPPORTED_LOCALES, Settings
from core.event_dates import DateProblem
from core.event_messages import broadcast_text
from core.event_texts import aware, event_card, kind_label, kind_name, moment_text
from core.languages import LANGUAGE_NAMES
from core.outbox_messages import open_progress_message
from core.services import event_publishing as publishing
from core.services.event_publishing import Audience, EventDraft, Renderer
from core.services.roles import NotAllowed, Roles
from handlers.filters import Staff
from storage import events as event_data
from storage.models import EVENT_KINDS, Event, utcnow

logger = logging.getLogger(__name__)
quote = html_decoration.quote

TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 2000
PLACE_LIMIT = 300
URL_LIMIT = 500
BROADCAST_LIMIT = 3500
CAPACITY_LIMIT = 10000
CITY_WIDE = "city"


class NewEvent(StatesGroup):
    kind = State()
    title = State()
    description = State()
    languages = State()
    extra_title = State()
    extra_description = State()
    start = State()
    end = State()
    place = State()
    area = State()
    capacity = State()
    signup = State()
    preview = State()
    publish_at = State()


class EditEvent(StatesGroup):
    field = State()
    value = State()


class Broadcast(StatesGroup):
    text = State()
    audience = State()
    confirm = State()


STEPS = (
    "kind",
    "title",
    "description",
    "languages",
    "start",
    "end",
    "place",
    "area",
    "capacity",
    "signup",
    "preview",
)
OPTIONAL_STEPS = frozenset({"description", "extra_description", "capacity", "signup"})
BUTTON_STEPS = frozenset({"kind", "languages", "area", "preview"})
PREVIOUS = {
    **{step: STEPS[index - 1] for index, step in enumerate(STEPS) if index},
    "extra_title": "languages",
    "extra_description": "extra_title",
    "publish_at": "preview",
}
EDIT_FIELDS = (
    "title", "description", "start", "end", "place", "area", "capacity", "signup", "publish",
)  # fmt: skip


# --- small helpers ---------------------------------------------------------------------------


def _locale() -> str:
    return I18n.get_current().current_locale


def _step_of(state_name: str | None) -> str | None:
    return state_name.split(":", 1)[1] if state_name and ":" in state_name else None


async def _pressed_step(
    callback: CallbackQuery, callback_data: EventAdminCB, state: FSMContext, flow: str
) -> str | None:
    """The step of `flow` the button belongs to, if the conversation is at that step now;
    else the press is answered as no longer valid and None returned."""
    current = await state.get_state()
    step = _step_of(current)
    if (
        not isinstance(callback.message, Message)
        or current is None
        or not current.startswith(f"{flow}:")
        or step != callback_data.step
    ):
        await callback.answer(_("This button is no longer valid."))
        return None
    return step


def _button(
    builder: InlineKeyboardBuilder, text: str, step: str, action: str, value: str = ""
) -> None:
    builder.button(text=text, callback_data=EventAdminCB(step=step, action=action, value=value))


def _navigation(builder: InlineKeyboardBuilder, step: str, *, skip: bool = False) -> None:
    if skip:
        _button(builder, _("Skip ➡️"), step, "skip")
    if step != "kind":
        _button(builder, _("⬅️ Back"), step, "back")
    _button(builder, _("✖️ Cancel"), step, "cancel")


def _local_time(moment: datetime, settings: Settings) -> str:
    return moment_text(moment, _locale(), settings.tz)


# Typed details of an event, by wizard step (and edit field), and the column each fills.
DETAIL_COLUMNS = {"place": "place", "capacity": "capacity", "signup": "signup_url"}


def read_detail(field: str, text: str) -> tuple[str | None, str | int | None]:
    """The place, the number of places or the sign-up link as typed: (None, value), or
    (what is wrong with it, None)."""
    if field == "place":
        if len(text) > PLACE_LIMIT:
            return _("Please keep the place to at most {limit} characters.").format(
                limit=PLACE_LIMIT
            ), None
        return None, text
    if field == "capacity":
        capacity = parse_capacity(text)
        if capacity is None:
            return _(
                "Please write the number of places as a whole number from 1 to {limit}, "
                "or skip if there is no limit."
            ).format(limit=CAPACITY_LIMIT), None
        return None, capacity
    url = valid_url(text)
    if url is None:
        return _(
            "That doesn't look like a web link. Please send a full link starting with "
            "https://, or skip this."
        ), None
    return None, url


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def valid_url(text: str) -> str | None:
    """An http(s) link with a host, no spaces; None when it is not one."""
    url = text.strip()
    if not url or len(url) > URL_LIMIT or any(char.isspace() for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or host.startswith("."):
        return None
    return url


def parse_capacity(text: str) -> int | None:
    value = text.strip()
    if not value.isdigit():
        return None
    number = int(value)
    return number if 1 <= number <= CAPACITY_LIMIT else None


def date_problem_text(problem: DateProblem, *, start: str | None = None) -> str:
    texts = {
        "unreadable": _(
            "Sorry, I couldn't read that. Please write the date and time like "
            "<code>3 dec 18:00</code>, <code>3/12 18:00</code> or "
            "<code>2026-12-03 18:00</code>."
        ),
        "past": _("That moment has already passed. Please write a date and time ahead."),
        "end_before_start": _(
            "The end must come after the start ({start}). Please write the end, "
            "e.g. <code>20:00</code>."
        ).format(start=start or ""),
        "nonexistent": _(
            "That time does not exist that night: the clocks move forward an hour. "
            "Please choose another time."
        ),
        "after_start": _(
            "The event starts {start}, so it must be published before that. "
            "Please write an earlier time."
        ).format(start=start or ""),
    }
    return texts.get(problem.reason, texts["unreadable"])


def refusal_text(reason: str) -> str:
    texts = {
        "not_your_area": _(
            "You can publish events city-wide and in the areas your incubators serve."
        ),
        "unknown_area": _("I don't know that area."),
        "not_found": _("I can't find an event with that number that is still on."),
        "stale": _("The event was changed in the meantime. Please start again."),
        "end_before_start": _("The end would come before the start. Change the end first."),
        "publish_after_start": _(
            "The event would start before it is published. Change the publish time first."
        ),
        "already_published": _("The event is published already."),
        "not_staff": _("Only the programme's admins and coordinators can do that."),
    }
    return texts.get(reason, _("Sorry, you can't do that."))


def _renderer(i18n: I18n, city: CityData, settings: Settings) -> Renderer:
    return Renderer(
        i18n=i18n,
        city=city,
        tz=settings.tz,
        default_locale=settings.default_locale,
        announcement_chat_id=settings.announcement_chat_id,
    )


def _wake_sender(data: dict[str, Any]) -> None:
    sender = data.get("sender")
    if sender is not None:
        sender.wake()


def _draft_event(values: dict[str, Any]) -> Event:
    """The wizard's answers as an (unsaved) event, for the preview."""
    return Event(
        id=0,
        kind=values["kind"],
        titles=values.get("titles", {}),
        descriptions=values.get("descriptions", {}),
        default_locale=values["lang"],
        starts_at=_moment(values["starts_at"]),
        ends_at=_moment(values["ends_at"]),
        place=values["place"],
        area_code=values.get("area") or None,
        capacity=values.get("capacity"),
        signup_url=values.get("signup_url"),
        status="scheduled",
    )


def _draft(values: dict[str, Any]) -> EventDraft:
    return EventDraft(
        kind=values["kind"],
        titles=values["titles"],
        descriptions=values.get("descriptions", {}),
        default_locale=values["lang"],
        starts_at=_moment(values["starts_at"]),
        ends_at=_moment(values["ends_at"]),
        place=values["place"],
        area_code=values.get("area") or None,
        capacity=values.get("capacity"),
        signup_url=values.get("signup_url"),
    )


def _allowed_areas(roles: Roles, city: CityData) -> list[str]:
    return [area.code for area in city.areas if publishing.may_publish_in(roles, area.code, city)]


# --- the questions -----------------------------------------------------------------------------


def _question(
    step: str, values: dict[str, Any], roles: Roles, city: CityData, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    """The question of a step of /newevent and its buttons."""
    builder = InlineKeyboardBuilder()
    locale = _locale()
    extra = values.get("extra_lang", "")
    language = LANGUAGE_NAMES.get(extra, extra)
    if step == "kind":
        text = _("📅 <b>New event</b>\n\nWhat kind of event is it?")
        for kind in EVENT_KINDS:
            _button(builder, kind_label(kind), step, "pick", kind)
        _navigation(builder, step)
        builder.adjust(*([1] * len(EVENT_KINDS)), 1)
        return text, builder.as_markup()
    if step == "title":
        text = _("What is the event's title? (in {language}, at most {limit} characters)").format(
            language=LANGUAGE_NAMES.get(values["lang"], values["lang"]), limit=TITLE_LIMIT
        )
    elif step == "description":
        text = _("Describe the event in a few sentences, or skip this.")
    elif step == "languages":
        added = [LANGUAGE_NAMES.get(code, code) for code in values.get("titles", {})]
        text = _(
            "Should residents also read the title and description in another language? "
            "Written so far: {languages}."
        ).format(languages=", ".join(added))
        for code in SUPPORTED_LOCALES:
            if code not in values.get("titles", {}):
                _button(builder, "➕ " + LANGUAGE_NAMES.get(code, code), step, "language", code)
        _button(builder, _("Continue ➡️"), step, "next")
        _navigation(builder, step)
        builder.adjust(2, 2, 1, 2)
        return text, builder.as_markup()
    elif step == "extra_title":
        text = _("The title in {language}:").format(language=language)
    elif step == "extra_description":
        text = _("The description in {language}, or skip this:").format(language=language)
    elif step == "start":
        text = _(
            "When does it start? Write the date and time in Malmö's time, e.g. "
            "<code>3 dec 18:00</code>, <code>3/12 18:00</code> or "
            "<code>2026-12-03 18:00</code>."
        )
    elif step == "end":
        text = _(
            "It starts {start}. When does it end? The time alone is enough for the same day, "
            "e.g. <code>20:00</code>."
        ).format(start=_local_time(_moment(values["starts_at"]), settings))
    elif step == "place":
        text = _("Where is it? Write the address, or the link for an online event.")
    elif step == "area":
        text = _("Which area is it for?")
        for code in _allowed_areas(roles, city):
            area = city.area(code)
            _button(builder, area.name(locale) if area else code, step, "pick", code)
        _button(builder, _("🌍 City-wide"), step, "pick", CITY_WIDE)
        _navigation(builder, step)
        builder.adjust(2)
        return text, builder.as_markup()
    elif step == "capacity":
        text = _("How many places are there? Write a number, or skip if there is no limit.")
    elif step == "signup":
        text = _(
            "Is there a sign-up or information page? Send its link (https://…), or skip this."
        )
    elif step == "publish_at":
        text = _(
            "When should it be published? Write the date and time, e.g. <code>1 dec 09:00</code>."
        )
    else:
        raise ValueError(step)
    _navigation(builder, step, skip=step in OPTIONAL_STEPS)
    builder.adjust(1)
    return text, builder.as_markup()


def _preview(
    values: dict[str, Any], city: CityData, settings: Settings
) -> tuple[str, InlineKeyboardMarkup]:
    event = _draft_event(values)
    locale = _locale()
    start = _local_time(event.starts_at, settings)
    end = _local_time(event.ends_at, settings)
    text = "\n".join(
        [
            _("👀 <b>Preview</b> — this is how residents will see it:"),
            "",
            event_card(event, city, locale, settings.tz),
            "",
            _("Starts: {start}\nEnds: {end}").format(start=start, end=end),
        ]
    )
    builder = InlineKeyboardBuilder()
    _button(builder, _("✅ Publish now"), "preview", "publish")
    _button(builder, _("🕒 Publish at a chosen time"), "preview", "later")
    _navigation(builder, "preview")
    builder.adjust(1, 1, 2)
    return text, builder.as_markup()


async def _ask(
    message: Message,
    state: FSMContext,
    step: str,
    roles: Roles,
    city: CityData,
    settings: Settings,
) -> None:
    await state.set_state(getattr(NewEvent, step))
    values = await state.get_data()
    if step == "preview":
        text, markup = _preview(values, city, settings)
    else:
        text, markup = _question(step, values, roles, city, settings)
    await message.answer(text, reply_markup=markup)


# --- /newevent ---------------------------------------------------------------------------------


async def cmd_newevent(
    message: Message, state: FSMContext, roles: Roles, city: CityData, settings: Settings
) -> None:
    await state.clear()
    await state.set_data({"lang": _locale(), "titles": {}, "descriptions": {}})
    await _ask(message, state, "kind", roles, city, settings)


def _after(step: str) -> str:
    """The step that follows `step` once it is answered."""
    if step == "extra_title":
        return "extra_description"
    if step == "extra_description":
        return "languages"
    return STEPS[STEPS.index(step) + 1]


async def on_text(
    message: Message,
    state: FSMContext,
    roles: Roles,
    city: CityData,
    settings: Settings,
    **data: Any,
) -> None:
    """A typed answer to the current step of /newevent."""
    step = _step_of(await state.get_state())
    values = await state.get_data()
    if step is None:
        return
    text = (message.text or "").strip()
    if step in BUTTON_STEPS or not message.text:
        hint = (
            _("Please choose with the buttons below.")
            if step in BUTTON_STEPS
            else _("Please answer with text.")
        )
        await message.answer(hint)
        await _ask(message, state, step, roles, city, settings)
        return
    now = utcnow()
    problem: str | None = None
    if step in ("title", "extra_title"):
        code = values["lang"] if step == "title" else values["extra_lang"]
        if not text or len(text) > TITLE_LIMIT:
            problem = _("Please keep the title to at most {limit} characters.").format(
                limit=TITLE_LIMIT
            )
        else:
            values["titles"][code] = text
    elif step in ("description", "extra_description"):
        code = values["lang"] if step == "description" else values["extra_lang"]
        if len(text) > DESCRIPTION_LIMIT:
            problem = _("Please keep the description to at most {limit} characters.").format(
                limit=DESCRIPTION_LIMIT
            )
        else:
            values["descriptions"][code] = text
    elif step == "start":
        try:
            start = event_dates.parse_start(text, now=now, tz=settings.tz)
        except DateProblem as error:
            problem = date_problem_text(error)
        else:
            values["starts_at"] = start.isoformat()
            end = values.get("ends_at")
            if end and _moment(end) <= start:
                values.pop("ends_at")
    elif step == "end":
        start = _moment(values["starts_at"])
        try:
            end = event_dates.parse_end(text, start=start, now=now, tz=settings.tz)
        except DateProblem as error:
            problem = date_problem_text(error, start=_local_time(start, settings))
        else:
            values["ends_at"] = end.isoformat()
    elif step in DETAIL_COLUMNS:
        problem, value = read_detail(step, text)
        if problem is None:
            values[DETAIL_COLUMNS[step]] = value
    elif step == "publish_at":
        start = _moment(values["starts_at"])
        try:
            publish_at = event_dates.parse_publish_time(
                text, now=now, tz=settings.tz, starts_at=start
            )
        except DateProblem as error:
            problem = date_problem_text(error, start=_local_time(start, settings))
        else:
            await _create(message, state, values, publish_at, roles, city, settings, data)
            return
    if problem is not None:
        await message.answer(problem)
        await _ask(message, state, step, roles, city, settings)
        return
    await state.set_data(values)
    await _ask(message, state, _after(step), roles, city, settings)


async def _create(
    message: Message,
    state: FSMContext,
    values: dict[str, Any],
    publish_at: datetime | None,
    roles: Roles,
    city: CityData,
    settings: Settings,
    data: dict[str, Any],
) -> None:
    session: AsyncSession = data["session"]
    now = utcnow()
    if _moment(values["starts_at"]) <= now:
        await message.answer(date_problem_text(DateProblem("past")))
        await _ask(message, state, "start", roles, city, settings)
        return
    try:
        event = await publishing.create_event(
            session,
            actor=roles,
            draft=_draft(values),
            publish_at=publish_at,
            now=now,
            renderer=_renderer(data["i18n"], city, settings),
            event_jobs=data["event_jobs"],
        )
    except NotAllowed as refused:
        await message.answer(refusal_text(refused.reason))
        await _ask(message, state, "area", roles, city, settings)
        return
    await state.clear()
    if publish_at is None:
        text = _(
            "✅ Published as event {id}. Subscribers get the announcement now. "
            "Change it with /editevent {id}, cancel it with /cancelevent {id}."
        ).format(id=event.id)
        _wake_sender(data)
    else:
        text = _(
            "🕒 Saved as event {id}. It will be published {when}. "
            "Change it with /editevent {id}, cancel it with /cancelevent {id}."
        ).format(id=event.id, when=_local_time(publish_at, settings))
    await message.answer(text)


async def on_button(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    roles: Roles,
    city: CityData,
    settings: Settings,
    **data: Any,
) -> None:
    """A button of /newevent."""
    message = callback.message
    step = await _pressed_step(callback, callback_data, state, "NewEvent")
    if step is None or not isinstance(message, Message):
        return
    values = await state.get_data()
    action, value = callback_data.action, callback_data.value
    if action == "cancel":
        await state.clear()
        await callback.answer()
        await message.answer(_("Cancelled. Nothing was published."))
        return
    if action == "back" and step in PREVIOUS:
        await callback.answer()
        await _ask(message, state, PREVIOUS[step], roles, city, settings)
        return
    if action == "skip" and step in OPTIONAL_STEPS:
        if step == "description":
            values["descriptions"].pop(values["lang"], None)
        elif step == "extra_description":
            values["descriptions"].pop(values["extra_lang"], None)
        elif step == "capacity":
            values["capacity"] = None
        elif step == "signup":
            values["signup_url"] = None
        await state.set_data(values)
        await callback.answer()
        await _ask(message, state, _after(step), roles, city, settings)
        return
    if step == "kind" and action == "pick" and value in EVENT_KINDS:
        values["kind"] = value
        await state.set_data(values)
        await callback.answer(kind_name(value))
        await _ask(message, state, "title", roles, city, settings)
        return
    if step == "languages" and action == "language" and value in SUPPORTED_LOCALES:
        if value in values["titles"]:
            await callback.answer(_("This button is no longer valid."))
            return
        values["extra_lang"] = value
        await state.set_data(values)
        await callback.answer()
        await _ask(message, state, "extra_title", roles, city, settings)
        return
    if step == "languages" and action == "next":
        await callback.answer()
        await _ask(message, state, "start", roles, city, settings)
        return
    if step == "area" and action == "pick":
        area_code = None if value == CITY_WIDE else value
        if area_code is not None and area_code not in _allowed_areas(roles, city):
            await callback.answer(refusal_text("not_your_area"), show_alert=True)
            return
        values["area"] = area_code or ""
        await state.set_data(values)
        await callback.answer()
        await _ask(message, state, "capacity", roles, city, settings)
        return
    if step == "preview" and action == "publish":
        await callback.answer()
        await _create(message, state, values, None, roles, city, settings, data)
        return
    if step == "preview" and action == "later":
        await callback.answer()
        await _ask(message, state, "publish_at", roles, city, settings)
        return
    await callback.answer(_("This button is no longer valid."))


# --- /editevent -------------------------------------------------------------------------------


def _event_id(command: CommandObject) -> int | None:
    argument = (command.args or "").strip().lstrip("#")
    return int(argument) if argument.isdigit() and len(argument) < 10 else None


def _field_names(event: Event) -> dict[str, str]:
    names = {
        "title": _("Title"),
        "description": _("Description"),
        "start": _("Start"),
        "end": _("End"),
        "place": _("Place"),
        "area": _("Area"),
        "capacity": _("Places"),
        "signup": _("Sign-up link"),
    }
    if event.status == "scheduled":  # not published yet
        names["publish"] = _("Publish time")
    return names


async def _event_for_staff(
    message: Message, session: AsyncSession, roles: Roles, city: CityData, event_id: int | None
) -> Event | None:
    """The event, if it is on and this person may change it; else they are told why."""
    if event_id is None:
        await message.answer(_("Please add the event's number, e.g. /editevent 12."))
        return None
    event = await publishing.editable_event(session, actor=roles, event_id=event_id)
    if event is None:
        await message.answer(refusal_text("not_found"))
        return None
    if (
        not roles.is_admin
        and event.created_by != roles.user_id
        and not publishing.may_publish_in(roles, event.area_code, city)
    ):
        await message.answer(refusal_text("not_your_area"))
        return None
    return event


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
    event = await _event_for_staff(message, session, roles, city, _event_id(command))
    if event is None:
        return
    await state.set_state(EditEvent.field)
    await state.set_data({"event_id": event.id, "version": event.version, "lang": _locale()})
    builder = InlineKeyboardBuilder()
    for field, label in _field_names(event).items():
        _button(builder, label, "field", "pick", field)
    _button(builder, _("✖️ Cancel"), "field", "cancel")
    builder.adjust(2, 2, 2, 2, 1)
    text = "\n".join(
        [event_card(event, city, _locale(), settings.tz), "", _("What do you want to change?")]
    )
    await message.answer(text, reply_markup=builder.as_markup())


def _edit_question(
    field: str, event: Event, roles: Roles, city: CityData
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    skip = False
    if field == "title":
        text = _("Write the new title:")
    elif field == "description":
        text = _("Write the new description, or skip to remove it:")
        skip = True
    elif field == "start":
        text = _(
            "Write the new start, e.g. <code>3 dec 18:00</code>. The end moves with it, "
            "so the event keeps its length."
        )
    elif field == "end":
        text = _("Write the new end, e.g. <code>20:00</code>:")
    elif field == "place":
        text = _("Write the new place (address or link):")
    elif field == "area":
        text = _("Which area is it for?")
        for code in _allowed_areas(roles, city):
            area = city.area(code)
            _button(builder, area.name(_locale()) if area else code, "value", "area", code)
        _button(builder, _("🌍 City-wide"), "value", "area", CITY_WIDE)
    elif field == "publish":
        text = _(
            "When should it be published? Write the date and time, e.g. <code>1 dec 09:00</code>."
        )
    elif field == "capacity":
        text = _("Write the new number of places, or skip for no limit:")
        skip = True
    else:
        text = _("Send the new link (https://…), or skip to remove it:")
        skip = True
    if skip:
        _button(builder, _("Skip ➡️"), "value", "skip")
    _button(builder, _("⬅️ Back"), "value", "back")
    _button(builder, _("✖️ Cancel"), "value", "cancel")
    builder.adjust(2)
    return text, builder.as_markup()


async def _apply_edit(
    message: Message,
    state: FSMContext,
    values: dict[str, Any],
    changes: dict[str, Any],
    roles: Roles,
    city: CityData,
    settings: Settings,
    data: dict[str, Any],
) -> None:
    try:
        event, told = await publishing.edit_event(
            data["session"],
            actor=roles,
            event_id=values["event_id"],
            expected_version=values["version"],
            changes=changes,
            now=utcnow(),
            renderer=_renderer(data["i18n"], city, settings),
            event_jobs=data["event_jobs"],
        )
    except NotAllowed as refused:
        await state.clear()
        await message.answer(refusal_text(refused.reason))
        return
    await state.clear()
    text = _("✓ Changed (event {id}).").format(id=event.id)
    if told:
        text += " " + ngettext(
            "{count} person who is coming is told.",
            "{count} people who are coming are told.",
            told,
        ).format(count=told)
    _wake_sender(data)  # what the change queued (notices, places freed on the waiting list)
    await message.answer(text)


async def on_edit_text(
    message: Message,
    state: FSMContext,
    roles: Roles,
    city: CityData,
    settings: Settings,
    **data: Any,
) -> None:
    values = await state.get_data()
    field = values.get("field")
    session: AsyncSession = data["session"]
    event = await event_data.get_event(session, values["event_id"])
    if event is None or field not in EDIT_FIELDS:
        await state.clear()
        await message.answer(refusal_text("not_found"))
        return
    text = (message.text or "").strip()
    changes: dict[str, Any] = {}
    problem: str | None = None
    now = utcnow()
    if not message.text or field == "area":
        problem = (
            _("Please choose with the buttons below.")
            if field == "area"
            else _("Please answer with text.")
        )
    elif field == "title":
        if len(text) > TITLE_LIMIT:
            problem = _("Please keep the title to at most {limit} characters.").format(
                limit=TITLE_LIMIT
            )
        else:
            changes["titles"] = {**event.titles, values["lang"]: text}
    elif field == "description":
        if len(text) > DESCRIPTION_LIMIT:
            problem = _("Please keep the description to at most {limit} characters.").format(
                limit=DESCRIPTION_LIMIT
            )
        else:
            changes["descriptions"] = {**event.descriptions, values["lang"]: text}
    elif field == "start":
        try:
            start = event_dates.parse_start(text, now=now, tz=settings.tz)
        except DateProblem as error:
            problem = date_problem_text(error)
        else:
            length = aware(event.ends_at) - aware(event.starts_at)
            changes.update(starts_at=start, ends_at=start + length)
    elif field == "end":
        start = aware(event.starts_at)
        try:
            changes["ends_at"] = event_dates.parse_end(text, start=start, now=now, tz=settings.tz)
        except DateProblem as error:
            problem = date_problem_text(error, start=_local_time(start, settings))
    elif field == "publish":
        start = aware(event.starts_at)
        try:
            changes["publish_at"] = event_dates.parse_publish_time(
                text, now=now, tz=settings.tz, starts_at=start
            )
        except DateProblem as error:
            problem = date_problem_text(error, start=_local_time(start, settings))
    elif field in DETAIL_COLUMNS:
        problem, value = read_detail(field, text)
        if problem is None:
            changes[DETAIL_COLUMNS[field]] = value
    if problem is not None:
        await message.answer(problem)
        question, markup = _edit_question(field, event, roles, city)
        await message.answer(question, reply_markup=markup)
        return
    await _apply_edit(message, state, values, changes, roles, city, settings, data)


async def on_edit_button(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    roles: Roles,
    city: CityData,
    settings: Settings,
    **data: Any,
) -> None:
    message = callback.message
    step = await _pressed_step(callback, callback_data, state, "EditEvent")
    if step is None or not isinstance(message, Message):
        return
    values = await state.get_data()
    action, value = callback_data.action, callback_data.value
    if action == "cancel":
        await state.clear()
        await callback.answer()
        await message.answer(_("Cancelled. Nothing was changed."))
        return
    event = await event_data.get_event(data["session"], values["event_id"])
    if event is None:
        await state.clear()
        await callback.answer(refusal_text("not_found"), show_alert=True)
        return
    if step == "field" and action == "pick" and value in EDIT_FIELDS:
        values["field"] = value
        await state.set_data(values)
        await state.set_state(EditEvent.value)
        await callback.answer()
        question, markup = _edit_question(value, event, roles, city)
        await message.answer(question, reply_markup=markup)
        return
    if step == "value" and action == "back":
        await callback.answer()
        await state.set_state(EditEvent.field)
        builder = InlineKeyboardBuilder()
        for field, label in _field_names(event).items():
            _button(builder, label, "field", "pick", field)
        _button(builder, _("✖️ Cancel"), "field", "cancel")
        builder.adjust(2, 2, 2, 2, 1)
        await message.answer(_("What do you want to change?"), reply_markup=builder.as_markup())
        return
    field = values.get("field")
    if step == "value" and action == "skip" and field in {"description", "capacity", "signup"}:
        changes: dict[str, Any] = {
            "description": {"descriptions": {}},
            "capacity": {"capacity": None},
            "signup": {"signup_url": None},
        }[field]
        if field == "description":
            changes["descriptions"] = {
                code: text for code, text in event.descriptions.items() if code != values["lang"]
            }
        await callback.answer()
        await _apply_edit(message, state, values, changes, roles, city, settings, data)
        return
    if step == "value" and action == "area" and field == "area":
        area_code = None if value == CITY_WIDE else value
        if area_code is not None and area_code not in _allowed_areas(roles, city):
            await callback.answer(refusal_text("not_your_area"), show_alert=True)
            return
        await callback.answer()
        await _apply_edit(
            message, state, values, {"area_code": area_code}, roles, city, settings, data
        )
        return
    await callback.answer(_("This button is no longer valid."))


# --- /cancelevent -----------------------------------------------------------------------------


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
    event = await _event_for_staff(message, session, roles, city, _event_id(command))
    if event is None:
        return
    builder = InlineKeyboardBuilder()
    token = f"{event.id}.{event.version}"
    _button(builder, _("❌ Yes, cancel the event"), "cancel_event", "yes", token)
    _button(builder, _("Keep it"), "cancel_event", "no", token)
    builder.adjust(1)
    text = "\n".join(
        [
            event_card(event, city, _locale(), settings.tz),
            "",
            _("Cancel this event? Everyone coming or on the waiting list will be told."),
        ]
    )
    await message.answer(text, reply_markup=builder.as_markup())


async def on_cancel_button(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    roles: Roles,
    city: CityData,
    settings: Settings,
    **data: Any,
) -> None:
    message = callback.message
    event_part, _sep, version_part = callback_data.value.partition(".")
    if not (isinstance(message, Message) and event_part.isdigit() and version_part.isdigit()):
        await callback.answer(_("This button is no longer valid."))
        return
    if callback_data.action == "no":
        await callback.answer()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Good, the event stays on."))
        return
    session: AsyncSession = data["session"]
    event = await event_data.get_event(session, int(event_part))
    if event is None or event.status == "cancelled" or event.version != int(version_part):
        await callback.answer(refusal_text("stale"), show_alert=True)
        return
    try:
        event, told = await publishing.cancel_event(
            session,
            actor=roles,
            event_id=int(event_part),
            now=utcnow(),
            renderer=_renderer(data["i18n"], city, settings),
            event_jobs=data["event_jobs"],
        )
    except NotAllowed as refused:
        await callback.answer(refusal_text(refused.reason), show_alert=True)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        ngettext(
            "❌ Event {id} is cancelled. {count} person is told.",
            "❌ Event {id} is cancelled. {count} people are told.",
            told,
        ).format(id=event.id, count=told)
    )
    if told:
        _wake_sender(data)


# --- /broadcast -------------------------------------------------------------------------------


def _audience_name(audience: Audience, city: CityData) -> str:
    if audience.kind:
        return kind_name(audience.kind)
    if audience.area_code:
        area = city.area(audience.area_code)
        return area.name(_locale()) if area else audience.area_code
    return _("all subscribers")


async def cmd_broadcast(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(Broadcast.text)
    builder = InlineKeyboardBuilder()
    _button(builder, _("✖️ Cancel"), "text", "cancel")
    await message.answer(
        _(
            "📣 <b>Announcement</b>\n\nWrite the announcement as you want subscribers to read "
            "it (at most {limit} characters)."
        ).format(limit=BROADCAST_LIMIT),
        reply_markup=builder.as_markup(),
    )


def _audience_keyboard(roles: Roles, city: CityData) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _button(builder, _("👥 All subscribers"), "audience", "pick", "all")
    for kind in EVENT_KINDS:
        _button(builder, kind_label(kind), "audience", "pick", f"kind={kind}")
    for code in _allowed_areas(roles, city):
        area = city.area(code)
        _button(
            builder,
            "📍 " + (area.name(_locale()) if area else code),
            "audience",
            "pick",
            f"area={code}",
        )
    _button(builder, _("⬅️ Back"), "audience", "back")
    _button(builder, _("✖️ Cancel"), "audience", "cancel")
    builder.adjust(1)
    return builder.as_markup()


async def on_broadcast_text(
    message: Message, state: FSMContext, roles: Roles, city: CityData
) -> None:
    text = (message.text or "").strip()
    if not message.text or not text:
        await message.answer(_("Please write the announcement as text."))
        return
    if len(text) > BROADCAST_LIMIT:
        await message.answer(
            _("Please keep it to at most {limit} characters.").format(limit=BROADCAST_LIMIT)
        )
        return
    await state.update_data(text=text)
    await state.set_state(Broadcast.audience)
    await message.answer(_("Who should get it?"), reply_markup=_audience_keyboard(roles, city))


async def on_broadcast_misplaced(
    message: Message, state: FSMContext, roles: Roles, city: CityData
) -> None:
    """Text where the broadcast expects a button."""
    await message.answer(_("Please choose with the buttons below."))
    if await state.get_state() == Broadcast.audience.state:
        await message.answer(_("Who should get it?"), reply_markup=_audience_keyboard(roles, city))


async def on_broadcast_button(
    callback: CallbackQuery,
    callback_data: EventAdminCB,
    state: FSMContext,
    bot: Bot,
    roles: Roles,
    city: CityData,
    settings: Settings,
    **data: Any,
) -> None:
    message = callback.message
    step = await _pressed_step(callback, callback_data, state, "Broadcast")
    if step is None or not isinstance(message, Message):
        return
    values = await state.get_data()
    session: AsyncSession = data["session"]
    if callback_data.action == "cancel":
        await state.clear()
        await callback.answer()
        await message.answer(_("Cancelled. Nothing was sent."))
        return
    if step == "audience" and callback_data.action == "back":
        await state.set_state(Broadcast.text)
        await callback.answer()
        await cmd_broadcast(message, state)
        return
    if step == "audience" and callback_data.action == "pick":
        audience = Audience.parse(callback_data.value)
        if audience is None or (
            audience.area_code is not None
            and audience.area_code not in _allowed_areas(roles, city)
        ):
            await callback.answer(_("This button is no longer valid."))
            return
        try:
            recipients = await publishing.broadcast_recipients(
                session, actor=roles, audience=audience, city=city
            )
        except NotAllowed as refused:
            await callback.answer(refusal_text(refused.reason), show_alert=True)
            return
        await callback.answer()
        if not recipients:
            await message.answer(
                _("Nobody subscribes to that yet, so nobody would get it. Choose another:"),
                reply_markup=_audience_keyboard(roles, city),
            )
            return
        await state.update_data(audience=audience.value())
        await state.set_state(Broadcast.confirm)
        builder = InlineKeyboardBuilder()
        _button(builder, _("📤 Send"), "confirm", "send")
        _button(builder, _("⬅️ Back"), "confirm", "back")
        _button(builder, _("✖️ Cancel"), "confirm", "cancel")
        builder.adjust(1, 2)
        preview = "\n".join(
            [
                _("👀 <b>Preview</b>:"),
                "",
                broadcast_text(values["text"]),
                "",
                ngettext(
                    "It goes to {count} subscriber ({audience}).",
                    "It goes to {count} subscribers ({audience}).",
                    len(recipients),
                ).format(count=len(recipients), audience=quote(_audience_name(audience, city))),
            ]
        )
        await message.answer(preview, reply_markup=builder.as_markup())
        return
    if step == "confirm" and callback_data.action == "back":
        await state.set_state(Broadcast.audience)
        await callback.answer()
        await message.answer(_("Who should get it?"), reply_markup=_audience_keyboard(roles, city))
        return
    if step == "confirm" and callback_data.action == "send":
        audience = Audience.parse(values.get("audience", ""))
        if audience is None or "text" not in values:
            await state.clear()
            await callback.answer(_("This button is no longer valid."))
            return
        await state.clear()
        await callback.answer()
        await message.edit_reply_markup(reply_markup=None)
        locale = _locale()
        i18n: I18n = data["i18n"]
        report_id = await open_progress_message(bot, i18n, chat_id=message.chat.id, locale=locale)
        try:
            _campaign, queued = await publishing.send_broadcast(
                session,
                actor=roles,
                typed_text=values["text"],
                audience=audience,
                report_chat_id=message.chat.id,
                report_message_id=report_id,
                report_locale=locale,
                now=utcnow(),
                renderer=_renderer(i18n, city, settings),
            )
        except NotAllowed as refused:
            await message.answer(refusal_text(refused.reason))
            return
        logger.info("broadcast by %s queued for %s", roles.user_id, queued)
        _wake_sender(data)
        return
    await callback.answer(_("This button is no longer valid."))


def create_router() -> Router:
    router = Router(name="event-admin")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(cmd_newevent, Command("newevent"), Staff())
    router.message.register(cmd_editevent, Command("editevent"), Staff())
    router.message.register(cmd_cancelevent, Command("cancelevent"), Staff())
    router.message.register(cmd_broadcast, Command("broadcast"), Staff())
    wizard = StateFilter(*NewEvent.__all_states__)
    router.message.register(on_text, wizard, ~F.text.startswith("/"), Staff())
    router.callback_query.register(
        on_cancel_button, EventAdminCB.filter(F.step == "cancel_event"), Staff()
    )
    router.callback_query.register(on_button, EventAdminCB.filter(), wizard, Staff())
    router.message.register(
        on_edit_text, StateFilter(EditEvent.value), ~F.text.startswith("/"), Staff()
    )
    router.message.register(
        on_edit_text_misplaced, StateFilter(EditEvent.field), ~F.text.startswith("/"), Staff()
    )
    router.callback_query.register(
        on_edit_button, EventAdminCB.filter(), StateFilter(*EditEvent.__all_states__), Staff()
    )
    router.message.register(
        on_broadcast_text, StateFilter(Broadcast.text), ~F.text.startswith("/"), Staff()
    )
    router.message.register(
        on_broadcast_misplaced,
        StateFilter(Broadcast.audience, Broadcast.confirm),
        ~F.text.startswith("/"),
        Staff(),
    )
    router.callback_query.register(
        on_broadcast_button,
        EventAdminCB.filter(),
        StateFilter(*Broadcast.__all_states__),
        Staff(),
    )
    router.callback_query.register(on_stale_button, EventAdminCB.filter(), Staff())
    return router


async def on_edit_text_misplaced(message: Message) -> None:
    await message.answer(_("Please choose with the buttons above what to change."))


async def on_stale_button(callback: CallbackQuery) -> None:
    await callback.answer(_("This button is no longer valid."))
