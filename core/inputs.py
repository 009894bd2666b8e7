"""One strict reading of everything a client sends: command arguments and button data.

Every number a client types or a button carries is read here: ASCII digits only (no `²`,
no Arabic-Indic digits, no signs, spaces or underscores), within the range of what it names.
A value that does not read is None for a command (the handler shows a one-line usage hint)
and a failed validation for callback data (the button is answered as no longer valid).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

# Our own ids are SQL INTEGER columns.
MAX_DB_ID = 2**31 - 1
# Telegram: "at most 52 significant bits" for user and chat ids.
MAX_TELEGRAM_ID = 2**52 - 1
MAX_PAGE = 10_000
MAX_VERSION = 2**31 - 1
# The longest code or key our city data and rules use (areas, incubators, reasons, steps).
MAX_TOKEN = 40

_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")
_TOKEN = re.compile(rf"[a-z0-9_.=-]{{1,{MAX_TOKEN}}}")


def read_int(text: str | None, *, low: int, high: int) -> int | None:
    """A whole number written with ASCII digits only (a leading '-' where `low` < 0),
    within [low, high]; None for anything else."""
    if text is None:
        return None
    negative = text.startswith("-") and low < 0
    digits = text[1:] if negative else text
    if not _ASCII_DIGITS.fullmatch(digits):
        return None
    value = -int(digits) if negative else int(digits)
    return value if low <= value <= high else None


def read_db_id(text: str | None) -> int | None:
    """One of our row ids (a pitch, an event): 1 … 2³¹−1."""
    return read_int(text, low=1, high=MAX_DB_ID)


def read_user_id(text: str | None) -> int | None:
    """A Telegram user id: 1 … 2⁵²−1."""
    return read_int(text, low=1, high=MAX_TELEGRAM_ID)


def read_token(text: str | None) -> str | None:
    """A code as our data names things (`soder`, `lunch_learn`): lower-case ASCII."""
    if text is None or not _TOKEN.fullmatch(text):
        return None
    return text


def _strict_int(value: Any) -> Any:
    """Before pydantic's own (lax) reading: ints as they are, text only as ASCII digits."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and (value == "0" or _ASCII_DIGITS.fullmatch(value)):
        return int(value)
    raise ValueError("not a number written with ASCII digits")


def _strict_token(value: Any) -> Any:
    if isinstance(value, str) and (value == "" or _TOKEN.fullmatch(value)):
        return value
    raise ValueError("not a code")


DbId = Annotated[int, BeforeValidator(_strict_int), Field(ge=1, le=MAX_DB_ID)]
"""A row id of ours in button data."""
OptionalDbId = Annotated[int, BeforeValidator(_strict_int), Field(ge=0, le=MAX_DB_ID)]
"""A row id, or 0 where the button names none."""
Page = Annotated[int, BeforeValidator(_strict_int), Field(ge=0, le=MAX_PAGE)]
Version = Annotated[int, BeforeValidator(_strict_int), Field(ge=0, le=MAX_VERSION)]
UserId = Annotated[int, BeforeValidator(_strict_int), Field(ge=1, le=MAX_TELEGRAM_ID)]
"""A Telegram user id in button data."""
Stamp = Annotated[int, BeforeValidator(_strict_int), Field(ge=0, le=2**60)]
"""A moment in microseconds since 1970 (e.g. when a record was made)."""
Token = Annotated[str, BeforeValidator(_strict_token)]
"""A code, key or step name, or empty."""


def one_of(*allowed: str) -> Any:
    """A text field that must be one of `allowed` (an action, a status, a locale)."""
    choices = frozenset(allowed)

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError("not one of the allowed values")
        return value

    return Annotated[str, BeforeValidator(_strict_token), AfterValidator(check)]
