"""What the staff and desk handlers share: reading who a command names, where it was sent,
the staff's command menus, and answers to buttons that are not theirs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, F
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from core.command_menus import publish_staff_menu
from core.config import Settings
from core.inputs import read_token, read_user_id
from core.services import roles
from storage.models import utcnow

logger = logging.getLogger(__name__)
GROUP_CHATS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


def group_id(message: Message) -> int | None:
    """The group a message was sent in; None for a private chat."""
    return message.chat.id if message.chat.type in GROUP_CHATS else None


def words_of(args: str | None) -> list[str]:
    return (args or "").split()


def replied_person(message: Message) -> int | None:
    """The author of the message replied to (not a bot), or the contact shared in it."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        return reply.from_user.id
    if reply is not None and reply.contact is not None and reply.contact.user_id:
        return reply.contact.user_id
    return None


def person_argument(message: Message, args: str | None) -> int | None:
    """The one person a command names: an id written as its only word (ASCII digits, a real
    Telegram id), or else the author of the message replied to. None if that doesn't read."""
    words = words_of(args)
    if len(words) > 1:
        return None
    return read_user_id(words[0]) if words else replied_person(message)


@dataclass(frozen=True)
class IncubatorAndPerson:
    code: str
    person: int | None  # None: ask for their contact


def incubator_and_person(message: Message, args: str | None) -> IncubatorAndPerson | None:
    """`<code> [<id>]`, or `<code>` replying to the person's message. None if it doesn't
    read (an odd code, an id that is not one, extra words)."""
    words = words_of(args)
    code = read_token(words[0].lower()) if 1 <= len(words) <= 2 else None
    if code is None:
        return None
    if len(words) == 1:
        return IncubatorAndPerson(code, replied_person(message))
    person = read_user_id(words[1])
    return IncubatorAndPerson(code, person) if person is not None else None


async def refresh_menu(
    bot: Bot, session: AsyncSession, user_id: int, settings: Settings, i18n: I18n
) -> None:
    """The person's command menu after their roles changed."""
    person_roles, locale = await roles.menu_of(
        session,
        user_id=user_id,
        configured_admins=settings.admin_ids,
        default_locale=settings.default_locale,
    )
    await publish_staff_menu(bot, i18n, user_id=user_id, roles=person_roles, locale=locale)


async def refuse_button(callback: CallbackQuery, session: AsyncSession) -> None:
    """A staff button pressed by someone with no staff role: refused, audited, answered."""
    chat_id = callback.message.chat.id if callback.message is not None else 0
    await roles.record_refusal(
        session,
        actor_id=callback.from_user.id,
        action=callback.data or "",
        subject=f"chat:{chat_id}",
        now=utcnow(),
        reason="not_staff",
    )
    logger.warning("refused a staff button from %s in chat %s", callback.from_user.id, chat_id)
    await callback.answer(_("Sorry, you can't do that."), show_alert=True)


# A button on a message the bot can still edit (not one Telegram reports as inaccessible).
ON_A_MESSAGE = F.message.func(lambda message: isinstance(message, Message))


def data_prefixed(prefix: str) -> Any:
    """Button data of one of our kinds (`ib`, `ib:…`), whether or not the rest reads."""
    return F.data.func(lambda data: data.partition(":")[0] == prefix)


async def invalid_button(callback: CallbackQuery) -> None:
    """Staff button data that does not read (forged, or from an older version)."""
    await callback.answer(_("This button is no longer valid."))
