"""Dates, times, numbers and lists for the reader, in the catalog's formatting locale.

Every Babel formatting call goes through here, so the one mapping in
`core.languages.formatting_locale` holds everywhere (English as in Sweden). No shown time
has seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from babel import units as babel_units

from core.languages import formatting_locale


@lru_cache(maxsize=16)
def cldr(locale: str) -> Locale:
    """Babel's data for the catalog `locale`, in its formatting locale."""
    return Locale.parse(formatting_locale(locale))


def format_date(value: date | datetime, format: str = "medium", *, locale: str) -> str:
    """A date ('full', 'long', 'medium', 'short' or a CLDR pattern)."""
    return babel_dates.format_date(value, format, locale=formatting_locale(locale))


def format_time(value: time | datetime, *, locale: str) -> str:
    """A time with hours and minutes only ('12:00'; '12:00 م' in Arabic)."""
    shown = babel_dates.format_time(value, "short", locale=formatting_locale(locale))
    return shown.replace("\u202f", " ")


def format_datetime(moment: datetime, *, tz: ZoneInfo, locale: str) -> str:
    """A moment in `tz`: the medium date and the time without seconds ('1 dec. 2026 21:01')."""
    local = moment.astimezone(tz)
    pattern = str(cldr(locale).datetime_formats["medium"]).replace("'", "")
    return pattern.replace("{1}", format_date(local, "medium", locale=locale)).replace(
        "{0}", format_time(local, locale=locale)
    )


def format_decimal(value: float, *, locale: str) -> str:
    return babel_numbers.format_decimal(value, locale=formatting_locale(locale))


def format_list(items: Sequence[str], *, locale: str) -> str:
    """'a, b and c' in the reader's language ('a, b och c', 'a, b y c', 'a وb وc')."""
    return babel_lists.format_list(list(items), locale=formatting_locale(locale))


def format_unit(value: float, unit: str, *, length: str = "long", locale: str) -> str:
    return babel_units.format_unit(value, unit, length=length, locale=formatting_locale(locale))
