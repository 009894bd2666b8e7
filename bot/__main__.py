"""`python -m bot` runs the bot (long polling); `python -m bot web` takes updates at a webhook;
`python -m bot clock` runs only the scheduled jobs (with RUN_SCHEDULER=false on the bot);
`python -m bot migrate` and `compile-catalogs` prepare it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Coroutine
from typing import Any

from bot.logging_setup import setup_logging
from core.config import ConfigError, Settings, load_settings

logger = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "web", "clock", "migrate", "compile-catalogs"],
        help="run the bot polling (default) or at a webhook, run the scheduled jobs alone, "
        "apply database migrations, or compile the catalogs",
    )
    args = parser.parse_args(argv)

    if args.command == "compile-catalogs":
        from core.languages import compile_catalogs

        for path in compile_catalogs():
            print(f"compiled {path}")  # noqa: T201 - a command-line tool's output
        return 0

    try:
        settings = load_settings()
        token = settings.require_token() if args.command in {"run", "web", "clock"} else None
        secrets = [token] if token else []
        if args.command == "web":
            secrets.append(settings.require_webhook()[1])
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    setup_logging(settings.log_level, secrets=secrets)

    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            logger.info("database is at the newest schema")
            return 0
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_running(args.command, settings))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


def _running(command: str, settings: Settings) -> Coroutine[Any, Any, None]:
    """The long-running process `command` names."""
    if command == "web":
        from bot.webhook import run_webhook

        return run_webhook(settings)
    from bot.app import run_clock, run_polling

    return run_clock(settings) if command == "clock" else run_polling(settings)


async def _migrate(settings: Settings) -> None:
    from bot.app import load_city_data, prepare_database

    engine = await prepare_database(settings, load_city_data(settings))
    await engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
