"""An online, consistent copy of a SQLite database with SQLite's backup API: it may run while
the bot writes, and the copy is the database as of one moment."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

# Pages copied per step; between steps the bot's writers get their turn.
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """The backup could not be made; the message is one sentence for the operator."""


def sqlite_path(database_url: str) -> Path | None:
    """The database file of a SQLite URL (None: not a SQLite file)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to `target` (a new file), check the copy and return its size in bytes.
    The copy is written beside the target and renamed, so `target` is never half written."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _copy(source: Path, partial: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as reader:
        reader.execute("PRAGMA busy_timeout=30000")
        with contextlib.closing(sqlite3.connect(partial)) as writer:
            reader.backup(writer, pages=PAGES_PER_STEP)
            # The copy is one self-contained file, like the one a restore puts back.
            writer.execute("PRAGMA journal_mode=DELETE")
            verdict = writer.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")
