"""Reading direction: values put into a right-to-left sentence keep their own order.

A phone number, a reference or a Latin place name inside an Arabic sentence is shown by the
Unicode bidirectional algorithm as if it were part of the Arabic: "+46701234504" turns into
"46701234504+". Wrapping the value in a direction isolate (U+2066 LRI or U+2068 FSI, closed
by U+2069 PDI) lays it out on its own. Which locales need it is Babel's knowledge, so a new
right-to-left language needs no change here. Pure: no aiogram, no i18n context.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

LRI = "\u2066"  # left-to-right isolate: the value is known to read left to right
RLI = "\u2067"  # right-to-left isolate
FSI = "\u2068"  # first-strong isolate: the value's own first letter decides
PDI = "\u2069"  # pop directional isolate: closes the three above
RLM = "\u200f"  # right-to-left mark: starts a line that must be laid out right to left

_OPENERS = frozenset((LRI, RLI, FSI))
_MARKS = frozenset((LRI, RLI, FSI, PDI))


@lru_cache(maxsize=32)
def is_rtl(locale: str) -> bool:
    """Whether the locale's script is written right to left (ar, fa, he …)."""
    try:
        return Locale.parse(locale.replace("-", "_")).character_order == "right-to-left"
    except (ValueError, TypeError, UnknownLocaleError):
        return False


def _is_isolated(value: str) -> bool:
    """Whether the whole value already is one isolate (its first opener closes at its end)."""
    if len(value) < 2 or value[0] not in _OPENERS or value[-1] != PDI:
        return False
    depth = 0
    for index, char in enumerate(value):
        if char in _OPENERS:
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth == 0:
                return index == len(value) - 1
    return False


def _balanced(value: str) -> str:
    """The value with its own isolates closed and stray closers dropped, so that the closer
    put after it ends the isolate put before it (a typed title may hold any of them)."""
    kept: list[str] = []
    depth = 0
    for char in value:
        if char in _OPENERS:
            depth += 1
        elif char == PDI:
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    return "".join(kept) + PDI * depth


def isolate(value: str, locale: str, *, ltr: bool = False) -> str:
    """`value` as one isolated run for a right-to-left `locale`, unchanged otherwise.

    `ltr=True` for values known to read left to right (phone numbers, references, e-mails,
    links); else the value's first strong letter decides (names, titles, places).
    """
    if not value or not is_rtl(locale):
        return value
    value = _balanced(value)
    if _is_isolated(value):
        return value
    return f"{LRI if ltr else FSI}{value}{PDI}"


def ltr(value: str, locale: str) -> str:
    """A value that always reads left to right (a phone number, a reference, an e-mail)."""
    return isolate(value, locale, ltr=True)


def line(text: str, locale: str) -> str:
    """A line built in code that may begin with a digit or Latin text, laid out right to left
    in a right-to-left locale (it starts with U+200F there); unchanged otherwise."""
    if not text or not is_rtl(locale) or text.startswith(RLM):
        return text
    return RLM + text


def strip_marks(text: str) -> str:
    """The text without isolates and right-to-left marks (for comparing and searching)."""
    return "".join(char for char in text if char not in _MARKS and char != RLM)


def page_arrows(locale: str) -> tuple[str, str]:
    """The pager's (previous, next) arrows: mirrored where pages turn right to left."""
    return ("▶️", "◀️") if is_rtl(locale) else ("◀️", "▶️")
