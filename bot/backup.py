"""`python -m bot backup PATH`: an online copy of the SQLite database. PostgreSQL is backed
up with its own tools (pg_dump); the README's Operations section says how, and how to
restore either."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from core.config import ConfigError, Settings
from storage.backup import backup_sqlite, sqlite_path

logger = logging.getLogger(__name__)


def backup_target(path: Path, now: datetime | None = None) -> Path:
    """PATH itself, or a dated file inside PATH when it is a folder."""
    if path.is_dir():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        return path / f"tillsammans-{stamp}.db"
    return path


def run_backup(settings: Settings, path: Path) -> Path:
    """Copy the database to `path` and return where the copy is; BackupError if it failed."""
    source = sqlite_path(settings.database_url)
    if source is None:
        raise ConfigError(
            "DATABASE_URL is a PostgreSQL database: back it up with pg_dump "
            "(see Operations in the README); `backup` copies SQLite databases."
        )
    target = backup_target(path)
    size = backup_sqlite(source, target)
    logger.info("backed up %s to %s (%s bytes)", source, target, size)
    return target
