"""`python -m bot retention [--dry-run]`: apply the retention periods once and say what went.

Prints one line per kind: its count, what it is and its cut-off (UTC). Ids and texts are
never printed."""

from __future__ import annotations

import sys

from core.config import Settings
from core.services.retention import RetentionReport, apply_retention
from storage.database import create_engine, create_sessionmaker
from storage.migrate import is_at_head
from storage.models import utcnow

LABELS: dict[str, str] = {
    "drafts": "pitch drafts untouched since before",
    "outbox_messages": "queued or sent messages created before",
    "delivery_attempts": "delivery records of messages created before",
    "campaigns": "finished mass sends created before",
    "closed_pitches": "pitches anonymised, closed before",
    "relayed_texts": "relayed message texts of pitches closed before",
    "pitch_message_records": "records of messages about pitches closed before",
    "audit_entries": "audit log entries written before",
    "users": "people with nothing to keep them, not seen since before",
}


def report_lines(report: RetentionReport) -> list[str]:
    """The command's output: a line per kind, then whether anything was removed."""
    lines = [f"retention as of {report.now:%Y-%m-%d %H:%M} UTC"]
    for kind, count, cutoff in report.lines():
        lines.append(f"{kind:<22} {count:>8}  {LABELS[kind]} {cutoff:%Y-%m-%d %H:%M} UTC")
    lines.append("dry run: nothing removed" if report.dry_run else f"removed: {report.total}")
    return lines


async def run_retention(settings: Settings, *, dry_run: bool) -> int:
    """Exit code 0 when done; 2 when the database is not at the newest schema."""
    engine = create_engine(settings.database_url)
    try:
        if not await is_at_head(engine):
            print(  # noqa: T201 - a command-line tool's output
                "The database is not at the newest schema; run `python -m bot migrate` first.",
                file=sys.stderr,
            )
            return 2
        async with create_sessionmaker(engine)() as session:
            report = await apply_retention(
                session,
                settings.retention,
                utcnow(),
                dry_run=dry_run,
                erase_pitch_text=settings.erase_pitch_text,
                keep_user_ids=settings.admin_ids,
            )
    finally:
        await engine.dispose()
    for line in report_lines(report):
        print(line)  # noqa: T201
    return 0
