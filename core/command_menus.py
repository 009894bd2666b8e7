"""The command menu Telegram shows, set once per shipped language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from core.config import SUPPORTED_LOCALES
from core.services.roles import Roles

logger = logging.getLogger(__name__)


def resident_commands() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=_("Main menu")),
        BotCommand(command="pitch", description=_("Pitch an idea")),
        BotCommand(command="mypitches", description=_("The ideas you have sent")),
        BotCommand(command="events", description=_("Coming meetings")),
        BotCommand(command="subscribe", description=_("Get news of meetings")),
        BotCommand(command="unsubscribe", description=_("Stop all news of meetings")),
        BotCommand(command="language", description=_("Change the language")),
        BotCommand(command="privacy", description=_("About Malmö Together and your data")),
        BotCommand(command="mydata", description=_("Everything we keep about you")),
        BotCommand(command="forget", description=_("Remove everything stored about me")),
        BotCommand(command="help", description=_("Help")),
    ]


async def publish_command_menus(bot: Bot, i18n: I18n) -> None:
    """One menu per language, and the default language's for everyone else."""
    try:
        for code in SUPPORTED_LOCALES:
            with i18n.context(), i18n.use_locale(code):
                commands = resident_commands()
            await bot.set_my_commands(commands, BotCommandScopeDefault(), language_code=code)
        with i18n.context(), i18n.use_locale(i18n.default_locale):
            commands = resident_commands()
        await bot.set_my_commands(commands, BotCommandScopeDefault())
    except TelegramAPIError as error:
        # Not worth refusing to start over: the commands still work when typed.
        logger.warning("could not set the command menus: %s", type(error).__name__)


def staff_commands(roles: Roles) -> list[BotCommand]:
    """What a coordinator (and an admin) sees in their private chat's command menu."""
    commands = [
        *resident_commands(),
        BotCommand(command="inbox", description=_("Open pitches of my incubators")),
        BotCommand(command="find", description=_("Search pitches")),
        BotCommand(command="stats", description=_("Statistics and a chart")),
        BotCommand(command="export", description=_("Pitches as a spreadsheet (CSV)")),
        BotCommand(command="incubators", description=_("Incubators, coordinators and chats")),
        BotCommand(command="newevent", description=_("Publish an event")),
        BotCommand(command="editevent", description=_("Change an event")),
        BotCommand(command="cancelevent", description=_("Cancel an event")),
        BotCommand(command="broadcast", description=_("Send an announcement to subscribers")),
        BotCommand(command="coordinators", description=_("Coordinators")),
        BotCommand(command="addcoordinator", description=_("Add a coordinator")),
        BotCommand(command="removecoordinator", description=_("Remove a coordinator")),
    ]
    if roles.is_admin:
        commands += [
            BotCommand(command="admins", description=_("Admins")),
            BotCommand(command="addadmin", description=_("Add an admin")),
            BotCommand(command="removeadmin", description=_("Remove an admin")),
            BotCommand(command="erase", description=_("Erase a person's or a pitch's data")),
        ]
    return commands


async def publish_staff_menu(
    bot: Bot, i18n: I18n, *, user_id: int, roles: Roles, locale: str
) -> None:
    """The staff menu in this person's private chat only, or the ordinary one again."""
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        if roles.is_staff:
            with i18n.context(), i18n.use_locale(locale):
                commands = staff_commands(roles)
            await bot.set_my_commands(commands, scope)
        else:
            await bot.delete_my_commands(scope)
    except TelegramAPIError as error:
        logger.warning("could not set the menu of %s: %s", user_id, type(error).__name__)
