"""Coordinator chats: binding a group to an incubator, unbinding it, the group's language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import GroupLanguageCB
from core.city import CityData
from core.config import Settings
from core.inputs import read_token
from core.services import staff
from core.services.roles import NotAllowed, Roles
from core.staff_texts import refusal
from handlers.filters import Staff
from handlers.keyboards import group_language_keyboard
from handlers.staff.common import (
    GROUP_CHATS,
    ON_A_MESSAGE,
    data_prefixed,
    invalid_button,
    refuse_button,
    words_of,
)
from storage.models import utcnow

quote = html_decoration.quote


async def cmd_bind_chat(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    words = words_of(command.args)
    code = read_token(words[0].lower()) if len(words) == 1 else None
    if code is None:
        await message.answer(
            _("Write the incubator's code, e.g. /bindchat soder. See /incubators for the codes.")
        )
        return
    try:
        await staff.bind_chat(
            session,
            actor=roles,
            incubator_code=code,
            chat_id=message.chat.id,
            city=city,
            now=utcnow(),
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    name = city.incubator(code).name(I18n.get_current().current_locale)  # type: ignore[union-attr]
    await message.answer(
        _(
            "This group is now the coordinator chat of {incubator}. New pitches for it will "
            "come here."
        ).format(incubator=quote(name))
    )


async def cmd_unbind_chat(message: Message, session: AsyncSession, roles: Roles) -> None:
    try:
        code = await staff.unbind_chat(session, actor=roles, chat_id=message.chat.id, now=utcnow())
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    if code is None:
        await message.answer(_("This group is not bound to any incubator."))
    else:
        await message.answer(_("Done. New pitches will no longer come to this group."))


async def cmd_chat_command_in_private(message: Message) -> None:
    """A coordinator sent a group's command in a private chat: where it belongs."""
    command = "/unbindchat" if (message.text or "").startswith("/unbind") else "/bindchat"
    await message.answer(
        _("Send {command} in the group that should get the incubator's pitches.").format(
            command=command
        )
    )


async def cmd_group_language(
    message: Message, session: AsyncSession, roles: Roles, settings: Settings
) -> None:
    try:
        current = await staff.group_language(
            session,
            actor=roles,
            chat_id=message.chat.id,
            default_locale=settings.default_locale,
            now=utcnow(),
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await message.answer(
        _("Which language should I use in this group?"),
        reply_markup=group_language_keyboard(current),
    )


async def on_group_language(
    callback: CallbackQuery,
    callback_data: GroupLanguageCB,
    session: AsyncSession,
    roles: Roles,
    i18n: I18n,
) -> None:
    chat_id = callback.message.chat.id  # type: ignore[union-attr]
    try:
        await staff.set_group_language(
            session, actor=roles, chat_id=chat_id, locale=callback_data.code, now=utcnow()
        )
    except NotAllowed:
        await callback.answer(_("Sorry, you can't do that."), show_alert=True)
        return
    with i18n.use_locale(callback_data.code):
        await callback.answer()
        await callback.message.edit_text(  # type: ignore[union-attr]
            _("Done! I will write in English in this group.")
        )


def create_router() -> Router:
    router = Router(name="staff-chats")
    in_group = F.chat.type.in_(GROUP_CHATS)
    pressed_in_group = ON_A_MESSAGE & F.message.chat.type.in_(GROUP_CHATS)
    router.message.register(cmd_bind_chat, Command("bindchat"), in_group, Staff())
    router.message.register(cmd_unbind_chat, Command("unbindchat"), in_group, Staff())
    router.message.register(
        cmd_chat_command_in_private,
        Command("bindchat", "unbindchat"),
        F.chat.type == "private",
        Staff(),
    )
    router.message.register(cmd_group_language, Command("language"), in_group, Staff())
    router.callback_query.register(
        on_group_language, GroupLanguageCB.filter(), pressed_in_group, Staff()
    )
    router.callback_query.register(invalid_button, GroupLanguageCB.filter(), ~pressed_in_group)
    router.callback_query.register(refuse_button, GroupLanguageCB.filter())
    router.callback_query.register(invalid_button, data_prefixed(GroupLanguageCB.__prefix__))
    return router
