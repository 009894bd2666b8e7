"""The last router: anything no journey took gets a kind answer and the way back to the menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from handlers.keyboards import main_menu_keyboard

_COMMAND_SHOWN_AT_MOST = 32


async def on_unknown_command(message: Message) -> None:
    command = (message.text or "").split(maxsplit=1)[0][:_COMMAND_SHOWN_AT_MOST]
    await message.answer(
        _("I don't know the command {command}. Here is what I can do:").format(
            command=html_decoration.quote(command)
        ),
        reply_markup=main_menu_keyboard(),
    )


async def on_unexpected_text(message: Message) -> None:
    await message.answer(
        _("Sorry, I didn't understand that. Please choose from the menu below."),
        reply_markup=main_menu_keyboard(),
    )


async def on_unexpected_content(message: Message) -> None:
    await message.answer(
        _("I can only read text here. Please choose from the menu below."),
        reply_markup=main_menu_keyboard(),
    )


async def on_edited_message(message: Message) -> None:
    await message.answer(
        _(
            "I noticed you edited a message. I can only use messages as they were first "
            "sent, so please send it again if something changed."
        )
    )


async def on_stale_button(callback: CallbackQuery) -> None:
    """Buttons from old messages, or forged data: nothing happens but a kind word."""
    await callback.answer(_("This button is no longer valid."))
    if callback.message is not None:
        await callback.message.answer(_("Here is the menu."), reply_markup=main_menu_keyboard())


async def on_stale_button_elsewhere(callback: CallbackQuery) -> None:
    """In a group (or on a message the bot can no longer see), only the presser's client
    hears of it: the group's conversation is not interrupted by a menu."""
    await callback.answer(_("This button is no longer valid."))


def create_router() -> Router:
    router = Router(name="fallback")
    in_private = F.chat.type == "private"
    router.message.register(on_unknown_command, in_private, F.text.startswith("/"))
    router.message.register(on_unexpected_text, in_private, F.text)
    router.message.register(on_unexpected_content, in_private)
    router.edited_message.register(on_edited_message, in_private)
    router.callback_query.register(on_stale_button, F.message.chat.type == "private")
    # Every press is answered, or the presser's client keeps spinning.
    router.callback_query.register(on_stale_button_elsewhere)
    return router
