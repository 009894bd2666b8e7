"""Admins and coordinators in chat: who they are, adding and removing them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core.city import CityData
from core.config import Settings
from core.formats import format_list
from core.inputs import read_token, read_user_id
from core.services import staff
from core.services.roles import NotAllowed, Roles
from core.staff_texts import mention, refusal
from handlers.filters import Staff
from handlers.staff.common import (
    group_id,
    incubator_and_person,
    person_argument,
    refresh_menu,
    words_of,
)
from storage.models import utcnow

# staff.promote_admin or staff.demote_admin
AdminChange = Callable[..., Awaitable[object]]

quote = html_decoration.quote


class StaffForm(StatesGroup):
    coordinator_contact = State()


def _add_coordinator_hint() -> str:
    return _(
        "Write the incubator's code, e.g. /addcoordinator soder, and reply to a message "
        "of the person, add their numeric id, or share their contact afterwards."
    )


def _remove_coordinator_hint() -> str:
    return _(
        "Write the incubator's code and reply to the person's message or add their id, "
        "e.g. /removecoordinator soder 12345."
    )


def _contact_prompt() -> str:
    return _(
        "Share the person's contact with me (📎 → Contact), or send their numeric Telegram id."
    )


def _contact_without_account() -> str:
    return _(
        "That contact has no Telegram account I can use. Share another contact, or "
        "send their numeric Telegram id."
    )


def _unreadable_id() -> str:
    return _(
        "I can't read that as a Telegram id. Share the person's contact (📎 → Contact), "
        "or send their id in digits, e.g. 12345."
    )


def _coordinator_added(person: int, incubator_name: str) -> str:
    return _(
        "{person} now coordinates {incubator}. They get notices once they have opened a "
        "chat with me."
    ).format(person=mention(person), incubator=quote(incubator_name))


# --- coordinators ----------------------------------------------------------------------------


async def cmd_coordinators(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    words = words_of(command.args)
    wanted = read_token(words[0].lower()) if len(words) == 1 else None
    if words and wanted is None:
        await message.answer(refusal("unknown_incubator"))
        return
    try:
        people = await staff.coordinators_by_incubator(
            session, actor=roles, incubator_code=wanted, city=city, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    locale = I18n.get_current().current_locale
    lines = [_("<b>Coordinators</b>")]
    for code, ids in people.items():
        names = format_list([mention(i) for i in ids], locale=locale) if ids else _("none yet")
        name = city.incubator(code).name(locale)  # type: ignore[union-attr]
        lines.append(f"{quote(name)} (<code>{code}</code>): {names}")
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
    meant = incubator_and_person(message, command.args)
    if meant is None or (meant.person is None and group_id(message) is not None):
        await message.answer(_add_coordinator_hint())
        return
    if meant.person is not None:
        await _add_coordinator(
            message, session, city, roles, bot, settings, i18n, meant.code, meant.person
        )
        return
    try:  # asked before the contact, so nobody shares one for nothing
        await staff.may_add_coordinator(
            session, actor=roles, incubator_code=meant.code, city=city, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await state.set_state(StaffForm.coordinator_contact)
    await state.update_data(incubator=meant.code)
    await message.answer(_contact_prompt())


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
    if message.contact is not None:
        person = message.contact.user_id
    else:
        person = read_user_id((message.text or "").strip())
    if person is None:  # loses nothing: they are still asked for the person
        no_account = message.contact is not None
        await message.answer(_contact_without_account() if no_account else _unreadable_id())
        return
    incubator_code = str((await state.get_data()).get("incubator", ""))
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
        await staff.add_coordinator(
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
    await refresh_menu(bot, session, person, settings, i18n)
    name = city.incubator(incubator_code).name(I18n.get_current().current_locale)  # type: ignore[union-attr]
    await message.answer(_coordinator_added(person, name))


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
    meant = incubator_and_person(message, command.args)
    if meant is None or meant.person is None:
        await message.answer(_remove_coordinator_hint())
        return
    try:
        removed = await staff.remove_coordinator(
            session,
            actor=roles,
            incubator_code=meant.code,
            user_id=meant.person,
            city=city,
            now=utcnow(),
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await refresh_menu(bot, session, meant.person, settings, i18n)
    if removed:
        text = _("{person} no longer coordinates that incubator.")
    else:
        text = _("{person} was not a coordinator there.")
    await message.answer(text.format(person=mention(meant.person)))


# --- admins ------------------------------------------------------------------------------


async def cmd_admins(
    message: Message, session: AsyncSession, roles: Roles, settings: Settings
) -> None:
    try:
        admins = await staff.list_admins(
            session, actor=roles, configured=settings.admin_ids, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    note = _(" (configured)")
    lines = [_("<b>Admins</b>")]
    lines += [mention(admin) + (note if configured else "") for admin, configured in admins]
    await message.answer("\n".join(lines))


async def _change_admin(
    message: Message,
    change: AdminChange,
    person: int,
    session: AsyncSession,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> bool:
    """Promote or demote `person` through the use case; their command menu follows. False
    (and the refusal said) when the rule does not allow it."""
    try:
        await change(
            session, actor=roles, user_id=person, configured=settings.admin_ids, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return False
    await refresh_menu(bot, session, person, settings, i18n)
    return True


async def cmd_add_admin(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    roles: Roles,
    bot: Bot,
    settings: Settings,
    i18n: I18n,
) -> None:
    person = person_argument(message, command.args)
    if person is None:
        await message.answer(
            _("Reply to the person's message or add their numeric id, e.g. /addadmin 12345.")
        )
        return
    if await _change_admin(
        message, staff.promote_admin, person, session, roles, bot, settings, i18n
    ):
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
    person = person_argument(message, command.args)
    if person is None:
        await message.answer(
            _("Reply to the person's message or add their numeric id, e.g. /removeadmin 12345.")
        )
        return
    if await _change_admin(
        message, staff.demote_admin, person, session, roles, bot, settings, i18n
    ):
        await message.answer(_("{person} is no longer an admin.").format(person=mention(person)))


def create_router() -> Router:
    router = Router(name="staff-people")
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
    return router
