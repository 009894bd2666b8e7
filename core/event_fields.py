"""One reading of what staff type for an event, for the /newevent wizard and /editevent alike.

Every typed field goes through one reader here (free text through `visible_text`, numbers
through `read_int`, links through `read_url`, dates through core.event_dates), so the wizard
and the edit accept and refuse the same answers. A refused answer raises `FieldProblem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import event_dates
from core.event_dates import DateProblem
from core.inputs import read_int
from core.text_input import read_url, visible_text

TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 2000
PLACE_LIMIT = 300  # the column's length
URL_LIMIT = 500  # the column's length
CAPACITY_LIMIT = 10_000
BROADCAST_LIMIT = 3500

# The fields staff can type (or skip) an answer for, as the wizard and /editevent name them.
TYPED_FIELDS = ("title", "description", "start", "end", "place", "capacity", "signup", "publish")
SKIPPABLE_FIELDS = frozenset({"description", "capacity", "signup"})
# What /editevent offers: the typed fields and the area (chosen with buttons).
EDIT_FIELDS = (*TYPED_FIELDS, "area")


class FieldProblem(ValueError):
    """Why a typed answer was refused. `reason` names the rule; `start` is the event's start
    where the explanation mentions it."""

    def __init__(self, reason: str, *, start: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.start = start


@dataclass(frozen=True)
class EventDraft:
    """An event as the wizard collected it. Times are UTC."""

    kind: str
    titles: dict[str, str]
    default_locale: str
    starts_at: datetime
    ends_at: datetime
    place: str
    descriptions: dict[str, str] = field(default_factory=dict)
    area_code: str | None = None
    capacity: int | None = None
    signup_url: str | None = None


@dataclass(frozen=True)
class SoFar:
    """What a typed answer is read against: the event, or the wizard's answers so far."""

    titles: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def _text(text: str | None, limit: int, name: str) -> str:
    value = visible_text(text)
    if not value:
        raise FieldProblem(f"{name}_empty")
    if len(value) > limit:
        raise FieldProblem(f"{name}_long")
    return value


def read_title(text: str | None) -> str:
    return _text(text, TITLE_LIMIT, "title")


def read_description(text: str | None) -> str:
    return _text(text, DESCRIPTION_LIMIT, "description")


def read_place(text: str | None) -> str:
    return _text(text, PLACE_LIMIT, "place")


def read_broadcast(text: str | None) -> str:
    return _text(text, BROADCAST_LIMIT, "broadcast")


def read_capacity(text: str | None) -> int:
    """The number of places: ASCII digits, 1 … CAPACITY_LIMIT."""
    number = read_int(visible_text(text), low=1, high=CAPACITY_LIMIT)
    if number is None:
        raise FieldProblem("capacity")
    return number


def read_signup_url(text: str | None) -> str:
    """An http(s) link that is safe inside an HTML attribute and fits the column."""
    url = read_url(text)
    if url is None or len(url) > URL_LIMIT:
        raise FieldProblem("url")
    return url


def _date(reason: str, start: datetime | None = None) -> FieldProblem:
    return FieldProblem(reason, start=start)


def read_start(text: str | None, *, now: datetime, tz: ZoneInfo) -> datetime:
    try:
        return event_dates.parse_start(visible_text(text), now=now, tz=tz)
    except DateProblem as problem:
        raise _date(problem.reason) from None


def read_end(text: str | None, *, start: datetime, now: datetime, tz: ZoneInfo) -> datetime:
    try:
        return event_dates.parse_end(visible_text(text), start=start, now=now, tz=tz)
    except DateProblem as problem:
        raise _date(problem.reason, start) from None


def read_publish_at(
    text: str | None, *, starts_at: datetime, now: datetime, tz: ZoneInfo
) -> datetime:
    try:
        return event_dates.parse_publish_time(
            visible_text(text), now=now, tz=tz, starts_at=starts_at
        )
    except DateProblem as problem:
        raise _date(problem.reason, starts_at) from None


def moved_end(start: datetime, so_far: SoFar) -> datetime | None:
    """The end moves with the start, so the event keeps its length (None: no end yet)."""
    if so_far.starts_at is None or so_far.ends_at is None:
        return None
    return start + (so_far.ends_at - so_far.starts_at)


def _start_of(so_far: SoFar) -> datetime:
    if so_far.starts_at is None:
        raise FieldProblem("no_start")
    return so_far.starts_at


def read_answer(
    name: str, text: str | None, *, locale: str, so_far: SoFar, now: datetime, tz: ZoneInfo
) -> dict[str, Any]:
    """The columns a typed answer to the field `name` sets (titles and descriptions in
    `locale`). Raises FieldProblem."""
    if name == "title":
        return {"titles": {**so_far.titles, locale: read_title(text)}}
    if name == "description":
        return {"descriptions": {**so_far.descriptions, locale: read_description(text)}}
    if name == "start":
        start = read_start(text, now=now, tz=tz)
        return {"starts_at": start, "ends_at": moved_end(start, so_far)}
    if name == "end":
        return {"ends_at": read_end(text, start=_start_of(so_far), now=now, tz=tz)}
    if name == "publish":
        return {"publish_at": read_publish_at(text, starts_at=_start_of(so_far), now=now, tz=tz)}
    if name == "place":
        return {"place": read_place(text)}
    if name == "capacity":
        return {"capacity": read_capacity(text)}
    if name == "signup":
        return {"signup_url": read_signup_url(text)}
    raise ValueError(f"no typed field {name!r}")


def skipped(name: str, *, locale: str, so_far: SoFar) -> dict[str, Any]:
    """The columns a skipped optional field sets: nothing there (the description in `locale`
    removed, no limit of places, no link)."""
    if name == "description":
        return {"descriptions": {c: t for c, t in so_far.descriptions.items() if c != locale}}
    if name == "capacity":
        return {"capacity": None}
    if name == "signup":
        return {"signup_url": None}
    raise ValueError(f"{name!r} cannot be skipped")


def draft_problem(draft: EventDraft, *, publish_at: datetime | None, now: datetime) -> str | None:
    """What keeps a complete draft from being stored, if anything: the rules the readers
    apply, checked once more on the whole (a draft may wait in the chat for days)."""
    if not any(visible_text(title) for title in draft.titles.values()):
        return "title_empty"
    if draft.starts_at <= now:
        return "past"
    if draft.ends_at <= draft.starts_at:
        return "end_before_start"
    if publish_at is not None and publish_at >= draft.starts_at:
        return "after_start"
    if draft.capacity is not None and not 1 <= draft.capacity <= CAPACITY_LIMIT:
        return "capacity"
    if len(draft.place) > PLACE_LIMIT or not visible_text(draft.place):
        return "place_empty"
    if draft.signup_url is not None and read_url(draft.signup_url) != draft.signup_url:
        return "url"
    return None
