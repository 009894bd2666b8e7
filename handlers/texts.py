"""Texts used by more than one handler, rendered in the reader's language."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def menu_prompt() -> str:
    return _("What would you like to do?")


def about_text() -> str:
    return "\n\n".join(
        (
            _(
                "<b>Malmö Together</b> (Malmöandan) is a programme where residents, "
                "the City of Malmö, associations and local businesses make ideas happen "
                "together. Every city area has a grassroots incubator with coordinators "
                "who help ideas grow. No idea is too small."
            ),
            _(
                "<b>Your data</b>\n"
                "We keep your Telegram id, the language you chose and when you last wrote "
                "to the bot. An idea you pitch is stored only if you agree, and is shown only "
                "to the coordinators of the incubator that handles it. We never share your "
                "data with anyone else or use it for advertising."
            ),
        )
    )
