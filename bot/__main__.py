"""`python -m bot` runs the bot; `python -m bot clock` runs only the scheduled jobs (with
RUN_SCHEDULER=false on the bot); `python -m bot migrate` and `compile-catalogs` prepare it;
`python -m bot backup PATH` copies a SQLite database while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from pathlib import Path

from bot.logging_setup import setup_logging
from core.config import ConfigError, Settings, load_settings

logger = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "clock", "migrate", "compile-catalogs", "backup"],
        help="run the bot (default), run the scheduled jobs alone, apply database "
        "migrations, compile the catalogs, or back up the SQLite database",
    )
    parser.add_argument("path", nargs="?", type=Path, help="backup: the new file or a folder")
    args = parser.parse_args(argv)
    if (args.path is not None) != (args.command == "backup"):
        parser.error("backup needs a PATH, and only backup takes one")

    if args.command == "compile-catalogs":
        from core.languages import compile_catalogs

        for path in compile_catalogs():
            print(f"compiled {path}")  # noqa: T201 - a command-line tool's output
        return 0

    try:
        settings = load_settings()
        token = settings.require_token() if args.command in {"run", "clock"} else None
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    setup_logging(settings.log_level, [token] if token else [], settings.log_format)
    if args.command == "backup":
        return _backup(settings, args.path)

    from bot.app import run_clock, run_polling

    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            logger.info("database is at the newest schema")
            return 0
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_clock(settings) if args.command == "clock" else run_polling(settings))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


def _backup(settings: Settings, path: Path) -> int:
    from bot.backup import run_backup
    from storage.backup import BackupError

    try:
        target = run_backup(settings, path)
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    except BackupError as error:
        print(f"Backup failed: {error}.", file=sys.stderr)  # noqa: T201
        return 1
    print(f"backed up to {target}")  # noqa: T201 - a command-line tool's output
    return 0


async def _migrate(settings: Settings) -> None:
    from bot.app import load_city_data, prepare_database

    engine = await prepare_database(settings, load_city_data(settings))
    await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
