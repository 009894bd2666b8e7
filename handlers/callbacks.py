"""Callback data of inline buttons: short prefixes, re-checked by every handler."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCB(CallbackData, prefix="m"):
    """A main-menu button; `action` is one of `MENU_ACTIONS`."""

    action: str


class LanguageCB(CallbackData, prefix="lang"):
    code: str


MENU_ACTIONS = ("pitch", "events", "subscriptions", "language", "about", "menu")


class PitchCB(CallbackData, prefix="p"):
    """A button of the pitch journey. `step` is the draft's step when the button was shown:
    a press on a button of another step is refused as stale."""

    step: str
    action: str
    value: str = ""


class GroupLanguageCB(CallbackData, prefix="glang"):
    code: str


class InboxCB(CallbackData, prefix="ib"):
    status: str
    page: int
