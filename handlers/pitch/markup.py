"""The pitch journey's inline buttons: each carries its step, and rows are laid out alike."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from core import pitch_rules as rules
from core.callbacks import PitchCB


def button(text: str, step: str, action: str, value: str = "") -> InlineKeyboardButton:
    data = PitchCB(step=step, action=action, value=value)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def nav_row(step: str, *, skip: bool = False) -> list[InlineKeyboardButton]:
    """The Back / Skip / Cancel row every step has (no Back on the first)."""
    row = []
    if step != rules.STEPS[0]:
        row.append(button(_("⬅️ Back"), step, "back"))
    if skip:
        row.append(button(_("Skip ➡️"), step, "done"))
    row.append(button(_("✖️ Cancel"), step, "cancel"))
    return row


def keyboard(
    answers: list[InlineKeyboardButton], *rows: list[InlineKeyboardButton], width: int = 1
) -> InlineKeyboardMarkup:
    """Answer buttons `width` to a row, then the given rows (navigation) below."""
    grid = [answers[i : i + width] for i in range(0, len(answers), width)]
    return InlineKeyboardMarkup(inline_keyboard=[*grid, *[row for row in rows if row]])
