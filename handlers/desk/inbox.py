"""The coordinators' inbox (paged, filtered by status) and /find."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_texts
from core.bidi import isolate, ltr
from core.bidi import line as rtl_line
from core.callbacks import INBOX_STATUSES, InboxCB
from core.city import CityData
from core.services import desk
from core.services.roles import NotAllowed, Roles
from core.staff_texts import refusal
from handlers.filters import Staff
from handlers.staff.common import (
    ON_A_MESSAGE,
    data_prefixed,
    group_id,
    invalid_button,
    refuse_button,
)
from storage.models import Pitch, utcnow

quote = html_decoration.quote


def pitch_line(pitch: Pitch, city: CityData) -> str:
    status = pitch_texts.statuses().get(pitch.status, pitch.status)
    incubator = city.incubator(pitch.incubator_code)
    locale = I18n.get_current().current_locale
    name = isolate(quote(incubator.name(locale)), locale) if incubator else ""
    title = isolate(quote(pitch.title), locale)
    heading = rtl_line(f"<b>{ltr(pitch.reference, locale)}</b> · {title}", locale)
    return f"{heading}\n{status} · {name}"


def inbox_keyboard(status: str, page: int, total: int) -> InlineKeyboardMarkup:
    paging = []
    if page > 0:
        previous = InboxCB(status=status, page=page - 1).pack()
        paging.append(InlineKeyboardButton(text="◀️", callback_data=previous))
    if (page + 1) * desk.INBOX_PAGE < total:
        following = InboxCB(status=status, page=page + 1).pack()
        paging.append(InlineKeyboardButton(text="▶️", callback_data=following))
    names = {desk.INBOX_OPEN: _("Open"), **pitch_texts.statuses()}
    filters = [
        InlineKeyboardButton(
            text=("• " if code == status else "") + names[code],
            callback_data=InboxCB(status=code, page=0).pack(),
        )
        for code in INBOX_STATUSES
    ]
    rows = [paging] if paging else []
    rows += [filters[i : i + 3] for i in range(0, len(filters), 3)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def inbox_text(found: desk.InboxPage, city: CityData) -> str:
    if not found.pitches:
        return _("No pitches here.")
    first = found.page * desk.INBOX_PAGE + 1
    heading = _(
        "<b>Pitches</b> ({first}–{last} of {total}), newest first. "
        "Open one with /pitch and its reference."
    ).format(first=first, last=first + len(found.pitches) - 1, total=found.total)
    return "\n\n".join([heading, *(pitch_line(p, city) for p in found.pitches)])


async def cmd_inbox(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    status = desk.read_inbox_status(command.args)
    if status is None:
        await message.answer(
            _("Write /inbox, or /inbox and one of: {statuses}.").format(
                statuses=", ".join(INBOX_STATUSES)
            )
        )
        return
    try:
        found = await desk.inbox_page(
            session, actor=roles, group_id=group_id(message), status=status, page=0, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    await message.answer(
        inbox_text(found, city), reply_markup=inbox_keyboard(status, 0, found.total)
    )


async def on_inbox_page(
    callback: CallbackQuery,
    callback_data: InboxCB,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
) -> None:
    """Each page asks again: the presser's roles, and what the group serves now."""
    message = callback.message
    try:
        found = await desk.inbox_page(
            session,
            actor=roles,
            group_id=group_id(message),  # type: ignore[arg-type]
            status=callback_data.status,
            page=callback_data.page,
            now=utcnow(),
        )
    except NotAllowed:
        await callback.answer(_("Sorry, you can't do that."), show_alert=True)
        return
    await callback.answer()
    markup = inbox_keyboard(callback_data.status, callback_data.page, found.total)
    await message.edit_text(inbox_text(found, city), reply_markup=markup)  # type: ignore[union-attr]


async def cmd_find(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    words = desk.search_words(command.args)
    if not words:
        await message.answer(_("Write what to look for, e.g. /find bikes Möllevången."))
        return
    try:
        found = await desk.find(
            session, actor=roles, group_id=group_id(message), words=words, now=utcnow()
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    if not found:
        await message.answer(_("Nothing found."))
        return
    await message.answer("\n\n".join(pitch_line(p, city) for p in found))


def create_router() -> Router:
    router = Router(name="desk-inbox")
    router.message.register(cmd_inbox, Command("inbox"), Staff())
    router.callback_query.register(on_inbox_page, InboxCB.filter(), ON_A_MESSAGE, Staff())
    router.callback_query.register(invalid_button, InboxCB.filter(), ~ON_A_MESSAGE)
    router.callback_query.register(refuse_button, InboxCB.filter())
    router.callback_query.register(invalid_button, data_prefixed(InboxCB.__prefix__))
    router.message.register(cmd_find, Command("find"), Staff())
    return router
