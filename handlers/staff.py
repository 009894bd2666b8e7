"""Admins and coordinators in chat: roles, binding a group to an incubator, its language."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import GroupLanguageCB
from core.city import CityData
from core.command_menus import publish_staff_menu
from core.config import SUPPORTED_LOCALES, Settings
from core.services import roles as role_service
from core.services.roles import NotAllowed, Roles
from handlers.filters import Staff
from handlers.keyboards import group_language_keyboard
from storage import coordination as data
from storage.models import utcnow

logger = logging.getLogger(__name__)
quote = html_decoration.quote

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


class StaffForm(StatesGroup):
    coordinator_contact = State()


def refusal(reason: str) -> str:
    texts = {
        "not_admin": _("Only the programme's admins can do that."),
        "not_coordinator": _("Only admins and this incubator's coordinators can do that."),
        "unknown_incubator": _("I don't know that incubator. See /incubators for the codes."),
        "configured_admin": _(
            "That admin is set in the bot's configuration (ADMIN_IDS) and can only be "
            "removed there."
        ),
        "last_admin": _("You are the last admin, so you can't be removed."),
        "not_an_admin": _("That person is not an admin."),
    }
    return texts.get(reason, _("Sorry, you can't do that."))


def mention(user_id: int) -> str:
    return f'<a href="tg://user?id={user_id}">{user_id}</a>'


def _person(message: Message, command: CommandObject, position: int = 0) -> int | None:
    """The person meant: the author of the message replied to, or a numeric id argument."""
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        return reply.from_user.id
    if reply is not None and reply.contact is not None and reply.contact.user_id:
        return reply.contact.user_id
    words = (command.args or "").split()
    if len(words) > position and words[position].isdigit():
        return int(words[position])
    return None


async def _refresh_menu(
    bot: Bot, session: AsyncSession, user_id: int, settings: Settings, i18n: I18n
) -> None:
    roles = await role_service.roles_of(session, user_id, settings.admin_ids)
    locale = (await data.user_locales(session, [user_id])).get(user_id, settings.default_locale)
    await publish_staff_menu(bot, i18n, user_id=user_id, roles=roles, locale=locale)


# --- coordinators ----------------------------------------------------------------------------


async def cmd_coordinators(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    locale = I18n.get_current().current_locale
    wanted = (command.args or "").strip().lower() or None
    people: dict[str, list[int]] = {}
    for row in await data.coordinators(session, wanted):
        if roles.can_handle(row.incubator_code):
            people.setdefault(row.incubator_code, []).append(row.user_id)
    lines = [_("<b>Coordinators</b>")]
    for incubator in city.incubators:
        if (wanted and incubator.code != wanted) or not roles.can_handle(incubator.code):
            continue
        ids = people.get(incubator.code, [])
        names = ", ".join(mention(i) for i in ids) if ids else _("none yet")
        lines.append(f"{quote(incubator.name(locale))} (<code>{incubator.code}</code>): {names}")
    await message.answer("\n".join(lines))


async def cmd_add_coordinator(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> None:
    words = (command.args or "").split()
    if not words:
        await message.answer(
            _(
                "Write the incubator's code, e.g. /addcoordinator soder, and reply to a message "
                "of the person, add their numeric id, or share their contact afterwards."
            )
        )
        return
    incubator_code = words[0].lower()
    person = _person(message, command, position=1)
    if person is None:
        if city.incubator(incubator_code) is None:
            await message.answer(refusal("unknown_incubator"))
            return
        await state.set_state(StaffForm.coordinator_contact)
        await state.update_data(incubator=incubator_code)
        await message.answer(
            _(
                "Share the person's contact with me (📎 → Contact), or send their numeric "
                "Telegram id."
            )
        )
        return
    await _add_coordinator(
        message, session, city, roles, bot, settings, i18n, incubator_code, person
    )


async def on_coordinator_contact(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> None:
    incubator_code = (await state.get_data()).get("incubator", "")
    if message.contact is not None:
        person = message.contact.user_id
    elif message.text and message.text.strip().isdigit():
        person = int(message.text.strip())
    else:
        person = None
    if person is None:
        await message.answer(
            _(
                "That contact has no Telegram account I can use. Share another contact, or "
                "send their numeric Telegram id."
            )
        )
        return
    await state.clear()
    await _add_coordinator(
        message, session, city, roles, bot, settings, i18n, incubator_code, person
    )


async def _add_coordinator(
    message: Message,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
    incubator_code: str,
    person: int,
) -> None:
    try:
        await role_service.add_coordinator(
            session,
            actor=roles,
            incubator_code=incubator_code,
            user_id=person,
            city=city,
            now=utcnow(),
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await _refresh_menu(bot, session, person, settings, i18n)
    incubator = city.incubator(incubator_code)
    locale = I18n.get_current().current_locale
    await message.answer(
        _(
            "{person} now coordinates {incubator}. They get notices once they have opened a "
            "chat with me."
        ).format(
            person=mention(person), incubator=quote(incubator.name(locale) if incubator else "")
        )
    )


async def cmd_remove_coordinator(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> None:
    words = (command.args or "").split()
    person = _person(message, command, position=1)
    if not words or person is None:
        await message.answer(
            _(
                "Write the incubator's code and reply to the person's message or add their id, "
                "e.g. /removecoordinator soder 12345."
            )
        )
        return
    try:
        removed = await role_service.remove_coordinator(
            session,
            actor=roles,
            incubator_code=words[0].lower(),
            user_id=person,
            city=city,
            now=utcnow(),
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await _refresh_menu(bot, session, person, settings, i18n)
    if removed:
        await message.answer(
            _("{person} no longer coordinates that incubator.").format(person=mention(person))
        )
    else:
        await message.answer(
            _("{person} was not a coordinator there.").format(person=mention(person))
        )


# --- admins ------------------------------------------------------------------------------


async def cmd_admins(message: Message, session: AsyncSession, settings: Settings) -> None:
    ids = await role_service.admin_ids(session, settings.admin_ids)
    lines = [_("<b>Admins</b>")]
    for admin in ids:
        note = _(" (configured)") if admin in settings.admin_ids else ""
        lines.append(f"{mention(admin)}{note}")
    await message.answer("\n".join(lines))


async def cmd_add_admin(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> None:
    person = _person(message, command)
    if person is None:
        await message.answer(
            _("Reply to the person's message or add their numeric id, e.g. /addadmin 12345.")
        )
        return
    try:
        await role_service.promote_admin(session, actor=roles, user_id=person, now=utcnow())
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await _refresh_menu(bot, session, person, settings, i18n)
    await message.answer(_("{person} is now an admin.").format(person=mention(person)))


async def cmd_remove_admin(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> None:
    person = _person(message, command)
    if person is None:
        await message.answer(
            _("Reply to the person's message or add their numeric id, e.g. /removeadmin 12345.")
        )
        return
    try:
        await role_service.demote_admin(
            session,
            actor=roles,
            user_id=person,
            configured_admins=settings.admin_ids,
            now=utcnow(),
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await _refresh_menu(bot, session, person, settings, i18n)
    await message.answer(_("{person} is no longer an admin.").format(person=mention(person)))


# --- group chats ---------------------------------------------------------------------------


async def cmd_bind_chat(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    code = (command.args or "").strip().lower()
    if not code:
        await message.answer(
            _("Write the incubator's code, e.g. /bindchat soder. See /incubators for the codes.")
        )
        return
    try:
        await role_service.bind_chat(
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
    incubator = city.incubator(code)
    locale = I18n.get_current().current_locale
    await message.answer(
        _(
            "This group is now the coordinator chat of {incubator}. New pitches for it will "
            "come here."
        ).format(incubator=quote(incubator.name(locale) if incubator else code))
    )


async def cmd_unbind_chat(message: Message, session: AsyncSession, roles: Roles) -> None:
    try:
        code = await role_service.unbind_chat(
            session, actor=roles, chat_id=message.chat.id, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    if code is None:
        await message.answer(_("This group is not bound to any incubator."))
    else:
        await message.answer(_("Done. New pitches will no longer come to this group."))


async def cmd_group_language(message: Message, session: AsyncSession, settings: Settings) -> None:
    current = await data.group_locale(session, message.chat.id) or settings.default_locale
    await message.answer(
        _("Which language should I use in this group?"),
        reply_markup=group_language_keyboard(current),
    )


async def on_group_language(
    callback: CallbackQuery,
    callback_data: GroupLanguageCB,
    session: AsyncSession,
    i18n: I18n,
) -> None:
    if callback.message is None or callback_data.code not in SUPPORTED_LOCALES:
        await callback.answer(_("This button is no longer valid."))
        return
    await data.set_group_locale(
        session, chat_id=callback.message.chat.id, locale=callback_data.code, now=utcnow()
    )
    await session.commit()
    with i18n.use_locale(callback_data.code):
        await callback.answer()
        await callback.message.edit_text(  # type: ignore[union-attr]
            _("Done! I will write in English in this group.")
        )


async def refuse_private(message: Message) -> None:
    """A staff command from someone without the right, in a private chat: no data."""
    await message.answer(_("Sorry, that command is for the programme's coordinators."))


def create_router() -> Router:
    router = Router(name="staff")
    in_group = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})
    router.message.register(cmd_coordinators, Command("coordinators"), Staff())
    router.message.register(cmd_add_coordinator, Command("addcoordinator"), Staff())
    router.message.register(
        on_coordinator_contact,
        StaffForm.coordinator_contact,
        F.chat.type == "private",
        ~F.text.startswith("/"),
        Staff(),
    )
    router.message.register(cmd_remove_coordinator, Command("removecoordinator"), Staff())
    router.message.register(cmd_admins, Command("admins"), Staff(admin=True))
    router.message.register(cmd_add_admin, Command("addadmin"), Staff(admin=True))
    router.message.register(cmd_remove_admin, Command("removeadmin"), Staff(admin=True))
    router.message.register(cmd_bind_chat, Command("bindchat"), in_group, Staff())
    router.message.register(cmd_unbind_chat, Command("unbindchat"), in_group, Staff())
    router.message.register(cmd_group_language, Command("language"), in_group, Staff())
    router.callback_query.register(on_group_language, GroupLanguageCB.filter(), Staff())
    return router


def create_refusal_router() -> Router:
    """After every staff router: staff commands from anyone else, in private, are refused."""
    router = Router(name="staff-refusal")
    router.message.register(refuse_private, Command(*STAFF_COMMANDS), F.chat.type == "private")
    return router
