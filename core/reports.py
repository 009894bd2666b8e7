"""Reports on pitches for the people who handle them: counts, a weekly chart and a CSV export.

Pure functions over lists of pitches (no database, no Telegram). Label-producing functions
translate with aiogram's `gettext`, so call them inside `i18n.context()` and `use_locale()`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.text_decorations import html_decoration

from core import pitch_texts as texts
from core.city import CityData
from core.formats import format_date, format_decimal
from core.languages import LANGUAGE_NAMES
from core.pitch_rules import STATUSES
from storage.models import Pitch

WEEKS = 12
TELEGRAM_TEXT_LIMIT = 4096
CHART_SIZE_INCHES = (8.0, 4.5)
CHART_DPI = 100

# Cells that spreadsheet programs may read as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SCOPE_MAX = 100
_LABEL_MAX = 40
# Lines per section before the rest is summed up on one line; smaller caps are tried if the
# message would otherwise be too long for Telegram.
_SECTION_LINE_CAPS = (12, 4, 1)


@dataclass(frozen=True)
class PitchStats:
    """Counts of a set of pitches.

    `by_status` has every status, zeros included, in the canonical order. `by_area` is keyed
    by area code ("" for the whole city), `by_theme` by theme code ("" for none), and
    `by_language` by language code; these three hold only codes that occur, most frequent
    first. `per_week` holds the Monday of each of the last `WEEKS` weeks (oldest first, the
    current week last) with the number of pitches submitted in that week.
    """

    total: int
    by_status: dict[str, int]
    by_area: dict[str, int]
    by_theme: dict[str, int]
    by_language: dict[str, int]
    per_week: list[tuple[date, int]]


def _as_utc(moment: datetime) -> datetime:
    """A naive datetime (as SQLite returns them) is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _most_first(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def pitch_stats(pitches: Sequence[Pitch], *, now: datetime, tz: ZoneInfo) -> PitchStats:
    """Count pitches by status, area, theme and language, and per week in time zone `tz`.

    Pitches submitted before the first of the weeks count in the totals only.
    """
    by_status = dict.fromkeys(STATUSES, 0)
    areas: Counter[str] = Counter()
    themes: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    this_week = _monday(_as_utc(now).astimezone(tz).date())
    weeks = {this_week - timedelta(weeks=back): 0 for back in range(WEEKS - 1, -1, -1)}
    for pitch in pitches:
        by_status[pitch.status] = by_status.get(pitch.status, 0) + 1
        areas[pitch.area_code or ""] += 1
        themes[pitch.theme_code or ""] += 1
        languages[pitch.language] += 1
        week = _monday(_as_utc(pitch.submitted_at).astimezone(tz).date())
        if week in weeks:
            weeks[week] += 1
    return PitchStats(
        total=len(pitches),
        by_status=by_status,
        by_area=_most_first(areas),
        by_theme=_most_first(themes),
        by_language=_most_first(languages),
        per_week=list(weeks.items()),
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _area_name(code: str, city: CityData, locale: str) -> str:
    if not code:
        return _("The whole city")
    area = city.area(code)
    return area.name(locale) if area else code


def _theme_name(code: str, city: CityData, locale: str) -> str:
    if not code:
        return _("Not given")
    theme = city.theme(code)
    return f"{theme.emoji} {theme.name(locale)}".strip() if theme else code


def _ordered(counts: Mapping[str, int], order: Iterable[str]) -> list[tuple[str, int]]:
    """Most frequent first; ties in `order` (the city's order), then unknown codes by code."""
    position = {code: index for index, code in enumerate(order)}
    return sorted(
        counts.items(),
        key=lambda item: (-item[1], position.get(item[0], len(position)), item[0]),
    )


def _section(
    heading: str, rows: list[tuple[str, int]], locale: str, cap: int, *, empty: bool
) -> str:
    lines = [f"<b>{html_decoration.quote(heading)}</b>"]
    if empty or not rows:
        lines.append(_("None yet"))
        return "\n".join(lines)
    shown, rest = (rows, []) if len(rows) <= cap else (rows[: cap - 1], rows[cap - 1 :])
    for label, count in shown:
        name = html_decoration.quote(_shorten(label, _LABEL_MAX))
        lines.append(f"• {name}: {format_decimal(count, locale=locale)}")
    if rest:
        others = sum(count for _label, count in rest)
        lines.append(f"• …: {format_decimal(others, locale=locale)}")
    return "\n".join(lines)


def stats_text(stats: PitchStats, city: CityData, locale: str, *, scope: str) -> str:
    """The counts as a Telegram HTML message (under 4096 characters) for `scope`.

    `scope` is the translated name of what is counted (an incubator, or several); it is
    escaped here.
    """
    status_names = texts.statuses()
    status_rows = [
        (status_names.get(status, status), count) for status, count in stats.by_status.items()
    ]
    area_rows = [
        (_area_name(code, city, locale), count)
        for code, count in _ordered(stats.by_area, [a.code for a in city.areas] + [""])
    ]
    theme_rows = [
        (_theme_name(code, city, locale), count)
        for code, count in _ordered(stats.by_theme, [t.code for t in city.themes] + [""])
    ]
    language_rows = [
        (texts.language_label(code, locale, standalone=True), count)
        for code, count in _ordered(stats.by_language, LANGUAGE_NAMES)
    ]
    heading = _("📊 Pitches: {scope}").format(
        scope=html_decoration.quote(_shorten(scope, _SCOPE_MAX))
    )
    total = _("Total: {count}").format(count=format_decimal(stats.total, locale=locale))
    weeks = _("Last 12 weeks (oldest first): {counts}").format(
        counts=" · ".join(format_decimal(count, locale=locale) for _week, count in stats.per_week)
    )
    empty = stats.total == 0
    text = ""
    for cap in _SECTION_LINE_CAPS:
        sections = [
            _section(_("By status"), status_rows, locale, cap, empty=empty),
            _section(_("By area"), area_rows, locale, cap, empty=empty),
            _section(_("By theme"), theme_rows, locale, cap, empty=empty),
            _section(_("By language"), language_rows, locale, cap, empty=empty),
        ]
        text = "\n\n".join([f"<b>{heading}</b>\n{total}", *sections, weeks])
        if len(text) < TELEGRAM_TEXT_LIMIT:
            break
    return text


def stats_chart_png(stats: PitchStats, locale: str, *, title: str) -> bytes:
    """A bar chart of pitches per week as PNG bytes (800×450 px).

    Uses matplotlib's Agg canvas on its own Figure (never pyplot), so it is safe to call from
    worker threads and keeps no global figures around.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(stats.per_week)))
    counts = [count for _week, count in stats.per_week]
    bars = axes.bar(positions, counts, color="#1f6fb2", width=0.7)
    axes.bar_label(
        bars,
        labels=[format_decimal(count, locale=locale) if count else "" for count in counts],
        padding=2,
        fontsize=9,
    )
    labels = [format_date(week, "d MMM", locale=locale) for week, _count in stats.per_week]
    if max((len(label) for label in labels), default=0) > 7:  # long month names would overlap
        axes.set_xticks(
            positions, labels, fontsize=9, rotation=30, ha="right", rotation_mode="anchor"
        )
    else:
        axes.set_xticks(positions, labels, fontsize=9)
    axes.set_xlim(-0.6, len(positions) - 0.4)
    axes.set_ylim(0, max([1, *counts]) * 1.15)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(_("Pitches per week"), parse_math=False)
    axes.set_title(title, parse_math=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


def _safe_cell(text: str | None) -> str:
    """The resident's text, with a leading apostrophe if a spreadsheet could run it."""
    value = text or ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _who(pitch: Pitch) -> str:
    kind = texts.submitter_kinds().get(pitch.submitter_kind or "", "")
    return " · ".join(part for part in (kind, pitch.submitter_name) if part)


def _csv_row(pitch: Pitch, city: CityData, locale: str, tz: ZoneInfo) -> list[str]:
    neighbourhood = city.neighbourhood(pitch.neighbourhood_code or "")
    area_code = neighbourhood.area if neighbourhood else (pitch.area_code or "")
    incubator = city.incubator(pitch.incubator_code)
    theme = city.theme(pitch.theme_code or "")
    return [
        pitch.reference,
        texts.statuses().get(pitch.status, pitch.status),
        _as_utc(pitch.submitted_at).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        incubator.name(locale) if incubator else pitch.incubator_code,
        _area_name(area_code, city, locale),
        neighbourhood.name(locale) if neighbourhood else (pitch.neighbourhood_code or ""),
        theme.name(locale) if theme else (pitch.theme_code or ""),
        texts.support_label(pitch, city, locale),
        _safe_cell(pitch.title),
        _safe_cell(pitch.need),
        _safe_cell(pitch.idea_text),
        str(len(pitch.media)),
        texts.language_label(pitch.language, locale, standalone=True),
        _safe_cell(_who(pitch)),
        pitch.contact_phone or "",
        _safe_cell(pitch.contact_email),
    ]


def export_csv(pitches: Sequence[Pitch], city: CityData, locale: str, *, tz: ZoneInfo) -> bytes:
    """The pitches as a CSV file for Excel in Sweden: UTF-8 with BOM, semicolons, CRLF.

    One row per pitch in the given order, labels in `locale`, times in `tz`. The resident's
    own texts are kept as written, except that a leading apostrophe defuses any that a
    spreadsheet would read as a formula.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(
        [
            _("Reference"),
            _("Status"),
            _("Submitted"),
            _("Incubator"),
            _("Area"),
            _("Neighbourhood"),
            _("Theme"),
            _("Support wanted"),
            _("Title"),
            _("The need"),
            _("The idea"),
            _("Attachments"),
            _("Written in"),
            _("Who"),
            _("Phone"),
            _("E-mail"),
        ]
    )
    writer.writerows(_csv_row(pitch, city, locale, tz) for pitch in pitches)
    return buffer.getvalue().encode("utf-8-sig")
