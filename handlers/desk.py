"""The coordinators' desk: inbox, one pitch with its history, search, stats, export."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_cards as cards
from core import pitch_texts, reports
from core import pitch_workflow as workflow
from core.callbacks import InboxCB
from core.city import CityData
from core.config import Settings
from core.pitch_rules import STATUSES
from core.services import pitch_review as coordination
from core.services.roles import Roles
from handlers.filters import Staff
from storage import coordination as data
from storage import pitches as pitch_data
from storage.models import Pitch, utcnow

quote = html_decoration.quote
REFERENCE = re.compile(r"^MT-\d{4}-\d{4,}$", re.IGNORECASE)
OPEN = "open"


def _locale() -> str:
    return I18n.get_current().current_locale


def _line(pitch: Pitch, city: CityData, locale: str) -> str:
    status = pitch_texts.statuses().get(pitch.status, pitch.status)
    incubator = city.incubator(pitch.incubator_code)
    return (
        f"<b>{pitch.reference}</b> · {quote(pitch.title)}\n"
        f"{status} · {quote(incubator.name(locale) if incubator else '')}"
    )


def _inbox_keyboard(status: str, page: int, total: int) -> InlineKeyboardMarkup:
    rows = []
    paging = []
    if page > 0:
        paging.append(
            InlineKeyboardButton(
                text="◀️", callback_data=InboxCB(status=status, page=page - 1).pack()
            )
        )
    if (page + 1) * coordination.INBOX_PAGE < total:
        paging.append(
            InlineKeyboardButton(
                text="▶️", callback_data=InboxCB(status=status, page=page + 1).pack()
            )
        )
    if paging:
        rows.append(paging)
    names = {OPEN: _("Open"), **pitch_texts.statuses()}
    filters = [
        InlineKeyboardButton(
            text=("• " if code == status else "") + label,
            callback_data=InboxCB(status=code, page=0).pack(),
        )
        for code, label in names.items()
    ]
    rows += [filters[i : i + 3] for i in range(0, len(filters), 3)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _inbox_page(
    session: AsyncSession, roles: Roles, city: CityData, status: str, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    statuses = workflow.OPEN_STATUSES if status == OPEN else (status,)
    pitches, total = await coordination.inbox(session, actor=roles, statuses=statuses, page=page)
    locale = _locale()
    if not pitches:
        text = _("No pitches here.")
    else:
        heading = _(
            "<b>Pitches</b> ({first}–{last} of {total}), newest first. "
            "Open one with /pitch and its reference."
        ).format(
            first=page * coordination.INBOX_PAGE + 1,
            last=page * coordination.INBOX_PAGE + len(pitches),
            total=total,
        )
        text = "\n\n".join([heading, *(_line(p, city, locale) for p in pitches)])
    return text, _inbox_keyboard(status, page, total)


async def cmd_inbox(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    wanted = (command.args or "").strip().lower()
    status = wanted if wanted in STATUSES else OPEN
    text, markup = await _inbox_page(session, roles, city, status, 0)
    await message.answer(text, reply_markup=markup)


async def on_inbox_page(
    callback: CallbackQuery,
    callback_data: InboxCB,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
) -> None:
    if callback_data.status not in (OPEN, *STATUSES) or callback_data.page < 0:
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    text, markup = await _inbox_page(
        session, roles, city, callback_data.status, callback_data.page
    )
    await callback.message.edit_text(text, reply_markup=markup)  # type: ignore[union-attr]


async def cmd_pitch_card(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    city: CityData,
    roles: Roles,
    settings: Settings,
) -> None:
    """/pitch MT-2026-0042: the whole card with its history and buttons, here."""
    reference = (command.args or "").strip().upper()
    found = await pitch_data.get_pitch_by_reference(session, reference)
    if found is None or not roles.can_handle(found.incubator_code):
        await message.answer(
            _("I can't find a pitch {reference} among yours.").format(reference=quote(reference))
        )
        return
    if message.chat.id < 0:
        bound = await data.incubator_of_chat(session, message.chat.id)
        if bound != found.incubator_code:
            # Never show a pitch in a group that is not its incubator's chat.
            await message.answer(_("This group is not the chat of that pitch's incubator."))
            return
    locale = _locale()
    for text in cards.card_body(found, city, locale, settings):
        await message.answer(text)
    events = await coordination.history(session, found.id)  # type: ignore[arg-type]
    if events:
        lines = [_("<b>History</b>"), *cards.history_lines(events, city, locale, settings)]
        await message.answer("\n".join(lines)[:4000])
    control = await message.answer(
        cards.control_text(found, city, locale, settings),
        reply_markup=cards.control_keyboard(found),
    )
    await data.add_pitch_message(
        session,
        chat_id=control.chat.id,
        message_id=control.message_id,
        pitch_id=found.id,
        purpose="card",
        now=utcnow(),  # type: ignore[arg-type]
    )
    await session.commit()


async def cmd_find(
    message: Message, command: CommandObject, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    words = [w for w in (command.args or "").split() if w][:5]
    if not words:
        await message.answer(_("Write what to look for, e.g. /find bikes Möllevången."))
        return
    found = await coordination.find(session, actor=roles, words=[w[:50] for w in words])
    if not found:
        await message.answer(_("Nothing found."))
        return
    locale = _locale()
    await message.answer("\n\n".join(_line(p, city, locale) for p in found))


def _scope_name(roles: Roles, city: CityData, locale: str) -> str:
    if roles.is_admin:
        return _("all incubators")
    names = [i.name(locale) for i in city.incubators if i.code in roles.incubators]
    return ", ".join(names)


async def cmd_stats(
    message: Message, session: AsyncSession, city: CityData, roles: Roles, settings: Settings
) -> None:
    if message.chat.id < 0 and not roles.is_admin:
        await message.answer(_("Please ask for statistics in a private chat with me."))
        return
    pitches = await coordination.pitches_for_reports(session, actor=roles)
    locale = _locale()
    stats = reports.pitch_stats(pitches, now=utcnow(), tz=settings.tz)
    scope = _scope_name(roles, city, locale)
    await message.answer(reports.stats_text(stats, city, locale, scope=scope))
    chart = reports.stats_chart_png(stats, locale, title=scope)
    await message.answer_photo(BufferedInputFile(chart, filename="pitches.png"))


async def cmd_export(
    message: Message, session: AsyncSession, city: CityData, roles: Roles, settings: Settings
) -> None:
    if message.chat.id < 0:
        await message.answer(
            _("Exports hold contact details: please ask in a private chat with me.")
        )
        return
    pitches = await coordination.pitches_for_reports(session, actor=roles)
    content = reports.export_csv(pitches, city, _locale(), tz=settings.tz)
    stamp = utcnow().astimezone(settings.tz).strftime("%Y-%m-%d")
    await message.answer_document(
        BufferedInputFile(content, filename=f"pitches-{stamp}.csv"),
        caption=ngettext(
            "{count} pitch, as a CSV file for Excel.",
            "{count} pitches, as a CSV file for Excel.",
            len(pitches),
        ).format(count=len(pitches)),
    )


async def cmd_incubators(
    message: Message, session: AsyncSession, city: CityData, roles: Roles
) -> None:
    locale = _locale()
    bindings = {b.incubator_code: b.chat_id for b in await data.all_bindings(session)}
    people: dict[str, int] = {}
    for row in await data.coordinators(session):
        people[row.incubator_code] = people.get(row.incubator_code, 0) + 1
    lines = [_("<b>Incubators</b>")]
    for incubator in city.incubators:
        chat = bindings.get(incubator.code)
        chat_text = _("group chat bound") if chat else _("no group chat")
        count = people.get(incubator.code, 0)
        lines.append(
            ngettext(
                "{name} (<code>{code}</code>): {count} coordinator, {chat}",
                "{name} (<code>{code}</code>): {count} coordinators, {chat}",
                count,
            ).format(
                name=quote(incubator.name(locale)),
                code=incubator.code,
                count=count,
                chat=chat_text,
            )
        )
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = Router(name="desk")
    router.message.register(cmd_inbox, Command("inbox"), Staff())
    router.callback_query.register(on_inbox_page, InboxCB.filter(), Staff())
    router.message.register(
        cmd_pitch_card, Command("pitch", magic=F.args.regexp(REFERENCE)), Staff()
    )
    router.message.register(cmd_find, Command("find"), Staff())
    router.message.register(cmd_stats, Command("stats"), Staff())
    router.message.register(cmd_export, Command("export"), Staff())
    router.message.register(cmd_incubators, Command("incubators"), Staff())
    return router
