"""Reading the dates and times coordinators type, in Swedish or English (pure).

Accepted: "2026-12-03 12:00", "3/12 12:00" (day/month), "3 dec 12:00", "3 december 12:00",
"3 dec kl 12", "tis 3 dec 12.30", "december 3 at 6pm"-like English orders without am/pm,
and a time alone ("14:00"), which means the day given as `base_day` (the start's day for an
end time), else today. Without a year the next occurrence that is not in the past is meant.
Times are read in the given time zone and returned in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("jan", "januari", "january"),
        ("feb", "febr", "februari", "february"),
        ("mar", "mars", "march"),
        ("apr", "april"),
        ("maj", "may"),
        ("jun", "juni", "june"),
        ("jul", "juli", "july"),
        ("aug", "augusti", "august"),
        ("sep", "sept", "september"),
        ("okt", "oktober", "oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

WEEKDAYS = frozenset(
    {
        "mån", "måndag", "tis", "tisdag", "ons", "onsdag", "tor", "tors", "torsdag",
        "fre", "fredag", "lör", "lördag", "sön", "söndag",
        "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur",
        "thurs", "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
    }
)  # fmt: skip
FILLER = frozenset({"kl", "klockan", "at", "den", "the", "on", "från", "from"})

# Digits are ASCII only (as everywhere a number is typed, see core.inputs): `\d` would also
# take Arabic-Indic and other digits.
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_SLASH_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{2}|[0-9]{4}))?$")
_DAY = re.compile(r"^([0-9]{1,2})(?:st|nd|rd|th|e|a)?$")
_YEAR = re.compile(r"^[0-9]{4}$")
_TIME = re.compile(r"^([0-9]{1,2})(?:[:.]([0-9]{2}))?$")
_ISO_T = re.compile(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t([0-9]{1,2}[:.][0-9]{2})$")
# Years outside these are typing mistakes; far ones would not even convert to UTC.
FIRST_YEAR = 2000
LAST_YEAR = 2100


class DateProblem(ValueError):
    """Why a typed date was refused: 'unreadable', 'past', 'end_before_start' or
    'nonexistent' (a time skipped when the clocks move forward)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Parts:
    day: int | None
    month: int | None
    year: int | None
    hour: int
    minute: int


def _tokens(text: str) -> list[str]:
    cleaned = text.strip().lower().replace(",", " ")
    tokens = []
    for token in cleaned.split():
        iso = _ISO_T.match(token)
        if iso:
            tokens += [iso.group(1), iso.group(2)]
            continue
        token = token.rstrip(".") if not _TIME.match(token) else token
        if token in WEEKDAYS or token in FILLER or not token:
            continue
        tokens.append(token)
    return tokens


def _read_time(token: str, *, bare_hour_allowed: bool) -> tuple[int, int] | None:
    found = _TIME.match(token)
    if not found or (found.group(2) is None and not bare_hour_allowed):
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour == 24 and minute == 0:
        return None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute


def _read_parts(text: str) -> _Parts:
    """The day, month, year and time in the text; raises DateProblem('unreadable')."""
    tokens = _tokens(text)
    had_kl = bool(re.search(r"\bkl\.?\b|\bklockan\b", text.lower()))
    day = month = year = None
    clock: tuple[int, int] | None = None
    rest: list[str] = []
    for token in tokens:
        if (found := _ISO_DATE.match(token)) and day is None:
            year, month, day = (int(part) for part in found.groups())
        elif (found := _SLASH_DATE.match(token)) and day is None:
            day, month = int(found.group(1)), int(found.group(2))
            if found.group(3):
                year = int(found.group(3))
                year = year + 2000 if year < 100 else year
        elif token in MONTHS and month is None:
            month = MONTHS[token]
        elif _YEAR.match(token) and year is None and month is not None:
            year = int(token)
        else:
            rest.append(token)
    # What is left: a day number next to the month name, and the time.
    for token in rest:
        if ":" in token or "." in token:
            if clock is not None:
                raise DateProblem("unreadable")
            clock = _read_time(token, bare_hour_allowed=False)
            if clock is None:
                raise DateProblem("unreadable")
        elif (found := _DAY.match(token)) and month is not None and day is None:
            day = int(found.group(1))
        elif clock is None and (bare := _read_time(token, bare_hour_allowed=True)):
            # A bare hour only after "kl", or when the date is complete ("3 dec 18").
            if not had_kl and (day is None or month is None):
                raise DateProblem("unreadable")
            clock = bare
        else:
            raise DateProblem("unreadable")
    if clock is None or (month is None) != (day is None):
        raise DateProblem("unreadable")
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise DateProblem("unreadable")
    return _Parts(day=day, month=month, year=year, hour=clock[0], minute=clock[1])


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The wall-clock time in `tz` (the first of two on the night the clocks go back);
    DateProblem('nonexistent') for a time the clocks skip."""
    moment = datetime.combine(day, clock, tzinfo=tz)
    back = moment.astimezone(UTC).astimezone(tz)
    if (back.hour, back.minute) != (clock.hour, clock.minute):
        raise DateProblem("nonexistent")
    return moment


def parse_moment(
    text: str, *, now: datetime, tz: ZoneInfo, base_day: date | None = None
) -> datetime:
    """The moment meant by `text`, in UTC. Without a date, `base_day` (else today, in `tz`);
    without a year, the next such day that is not in the past. Raises DateProblem."""
    parts = _read_parts(text)
    clock = time(parts.hour, parts.minute)
    today = now.astimezone(tz).date()
    if parts.day is None or parts.month is None:
        day = base_day or today
        moment = _local(day, clock, tz)
    elif parts.year is not None:
        try:
            day = date(parts.year, parts.month, parts.day)
        except ValueError:
            raise DateProblem("unreadable") from None
        moment = _local(day, clock, tz)
    else:
        moment = None
        for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
            try:
                day = date(year, parts.month, parts.day)
            except ValueError:  # 29 February of a year that has none
                continue
            candidate = _local(day, clock, tz)
            if candidate >= now:
                moment = candidate
                break
        if moment is None:
            raise DateProblem("unreadable")
    result = moment.astimezone(UTC)
    if result < now:
        raise DateProblem("past")
    return result


def parse_start(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """An event's start, in UTC."""
    return parse_moment(text, now=now, tz=tz)


def parse_end(text: str, *, start: datetime, now: datetime, tz: ZoneInfo) -> datetime:
    """An event's end, in UTC; a time alone is on the start's day. It must be after the
    start."""
    start_day = start.astimezone(tz).date()
    try:
        end = parse_moment(text, now=min(now, start), tz=tz, base_day=start_day)
    except DateProblem as problem:
        if problem.reason == "past":
            raise DateProblem("end_before_start") from None
        raise
    if end <= start:
        raise DateProblem("end_before_start")
    return end


def parse_publish_time(text: str, *, now: datetime, tz: ZoneInfo, starts_at: datetime) -> datetime:
    """When to publish: in the future, and before the event starts."""
    moment = parse_moment(text, now=now, tz=tz)
    if moment >= starts_at:
        raise DateProblem("after_start")
    return moment


def default_end(start: datetime) -> datetime:
    """Two hours after the start, when the coordinator gives no end."""
    return start + timedelta(hours=2)
