"""Roles and coordinator chats: /coordinators, /addcoordinator, /admins, /bindchat, the group
/language; and the polite refusal of staff commands to everyone else."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from handlers.staff import chats, people

STAFF_COMMANDS = (
    "coordinators",
    "addcoordinator",
    "removecoordinator",
    "admins",
    "addadmin",
    "removeadmin",
    "bindchat",
    "unbindchat",
    "inbox",
    "find",
    "stats",
    "export",
    "incubators",
    "newevent",
    "editevent",
    "cancelevent",
    "broadcast",
)


async def refuse_private(message: Message) -> None:
    """A staff command from someone without the right, in a private chat: no data."""
    await message.answer(_("Sorry, that command is for the programme's coordinators."))


def create_router() -> Router:
    router = Router(name="staff")
    router.include_router(people.create_router())
    router.include_router(chats.create_router())
    return router


def create_refusal_router() -> Router:
    """After every staff router: staff commands from anyone else, in private, are refused."""
    router = Router(name="staff-refusal")
    router.message.register(refuse_private, Command(*STAFF_COMMANDS), F.chat.type == "private")
    return router
