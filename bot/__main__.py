"""`python -m bot` runs the bot (long polling); `python -m bot web` takes updates at a webhook;
`python -m bot clock` runs only the scheduled jobs (with RUN_SCHEDULER=false on the bot);
`python -m bot migrate` and `compile-catalogs` prepare it; `python -m bot retention
[--dry-run]` applies the retention periods once; `python -m bot backup PATH` copies a SQLite
database while the bot runs. `python -m bot playground` runs it on this machine against the
emulator, driven from a web page; `run-or-playground` (what `make run` calls) runs the bot when
BOT_TOKEN is set, else the playground."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bot.logging_setup import setup_logging
from core.config import ConfigError, Settings, load_settings

logger = logging.getLogger("bot")

COMMANDS = (
    "run",
    "web",
    "clock",
    "migrate",
    "compile-catalogs",
    "retention",
    "backup",
    "playground",
    "run-or-playground",
)
# Commands that talk to Telegram, so need the token.
_TELEGRAM_COMMANDS = {"run", "web", "clock"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=COMMANDS,
        help="run the bot polling (default) or at a webhook, run the scheduled jobs alone, "
        "apply database migrations, compile the catalogs, apply the retention periods once, "
        "back up the SQLite database, or run the playground (see its --help)",
    )
    parser.add_argument("path", nargs="?", type=Path, help="backup: the new file or a folder")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="with retention: print what would be removed, and remove nothing",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["playground"]:  # its own options and --help
        return _playground(argv[1:])
    parser = _parser()
    args, playground_args = parser.parse_known_args(argv)
    if playground_args and args.command != "run-or-playground":
        parser.error(f"unrecognized arguments: {' '.join(playground_args)}")
    if (args.path is not None) != (args.command == "backup"):
        parser.error("backup needs a PATH, and only backup takes one")

    if args.command == "compile-catalogs":
        from core.languages import compile_catalogs

        for path in compile_catalogs():
            print(f"compiled {path}")  # noqa: T201 - a command-line tool's output
        return 0

    try:
        settings = load_settings()
        if args.command == "run-or-playground":
            if settings.bot_token is None:
                return _playground(playground_args)
            args.command = "run"
        token = settings.require_token() if args.command in _TELEGRAM_COMMANDS else None
        secrets = [token] if token else []
        if args.command == "web":
            secrets.append(settings.require_webhook()[1])
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    setup_logging(settings.log_level, secrets, settings.log_format)
    if args.command == "backup":
        return _backup(settings, args.path)

    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            logger.info("database is at the newest schema")
            return 0
        if args.command == "retention":
            from bot.retention_command import run_retention

            return asyncio.run(run_retention(settings, dry_run=args.dry_run))
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_running(args.command, settings))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


def _playground(argv: list[str]) -> int:
    """The playground runs the bot, so it lives above it; this is the one way down to it."""
    from playground.__main__ import main as playground_main

    return playground_main(argv)


def _running(command: str, settings: Settings) -> Coroutine[Any, Any, None]:
    """The long-running process `command` names."""
    if command == "web":
        from bot.webhook import run_webhook

        return run_webhook(settings)
    from bot.app import run_clock, run_polling

    return run_clock(settings) if command == "clock" else run_polling(settings)


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
