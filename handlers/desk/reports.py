"""/stats, /export and /incubators."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from core import reports
from core.city import CityData
from core.config import Settings
from core.formats import format_list
from core.languages import reading_locale
from core.services import desk
from core.services.roles import NotAllowed, Roles
from core.staff_texts import refusal
from handlers.filters import Staff
from handlers.staff.common import group_id
from storage.models import utcnow

quote = html_decoration.quote


def _scope_name(roles: Roles, city: CityData) -> str:
    if roles.is_admin:
        return _("all incubators")
    names = [i.name(reading_locale()) for i in city.incubators if i.code in roles.incubators]
    return format_list(names, locale=reading_locale())


async def cmd_stats(
    message: Message, session: AsyncSession, city: CityData, roles: Roles, settings: Settings
) -> None:
    try:
        pitches = await desk.pitches_for_report(
            session, actor=roles, group_id=group_id(message), kind="stats"
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    stats = reports.pitch_stats(pitches, now=utcnow(), tz=settings.tz)
    scope = _scope_name(roles, city)
    await message.answer(reports.stats_text(stats, city, reading_locale(), scope=scope))
    chart = reports.stats_chart_png(stats, reading_locale(), title=scope)
    await message.answer_photo(BufferedInputFile(chart, filename="pitches.png"))


async def cmd_export(
    message: Message, session: AsyncSession, city: CityData, roles: Roles, settings: Settings
) -> None:
    try:
        pitches = await desk.pitches_for_report(
            session, actor=roles, group_id=group_id(message), kind="export"
        )
    except NotAllowed as refused:
        await message.answer(refusal(refused.reason))
        return
    content = reports.export_csv(pitches, city, reading_locale(), tz=settings.tz)
    stamp = utcnow().astimezone(settings.tz).strftime("%Y-%m-%d")
    await message.answer_document(
        BufferedInputFile(content, filename=f"pitches-{stamp}.csv"),
        caption=ngettext(
            "{count} pitch, as a CSV file for Excel.",
            "{count} pitches, as a CSV file for Excel.",
            len(pitches),
        ).format(count=len(pitches)),
    )


async def cmd_incubators(message: Message, session: AsyncSession, city: CityData) -> None:
    lines = [_("<b>Incubators</b>")]
    for summary in await desk.incubators_overview(session, city=city):
        chat = _("group chat bound") if summary.has_chat else _("no group chat")
        lines.append(
            ngettext(
                "{name} (<code>{code}</code>): {count} coordinator, {chat}",
                "{name} (<code>{code}</code>): {count} coordinators, {chat}",
                summary.coordinators,
            ).format(
                name=quote(summary.incubator.name(reading_locale())),
                code=summary.incubator.code,
                count=summary.coordinators,
                chat=chat,
            )
        )
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = Router(name="desk-reports")
    router.message.register(cmd_stats, Command("stats"), Staff())
    router.message.register(cmd_export, Command("export"), Staff())
    router.message.register(cmd_incubators, Command("incubators"), Staff())
    return router
