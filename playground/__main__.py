"""`python -m playground [--port N] [--demo-data]` (also `python -m bot playground`): the whole
bot on this machine against the Telegram Bot API emulator, driven from a web page."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import signal
import socket
import sys
from pathlib import Path

from aiohttp import web

from bot.logging_setup import setup_logging
from core.config import ConfigError
from playground.runtime import DEFAULT_DATA_DIR, Playground
from playground.server import create_app

logger = logging.getLogger("playground")
DEFAULT_PORT = 8080


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot playground", description=__doc__)
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port of the page (0: any free one)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; anything but this machine lets others drive it",
    )
    parser.add_argument(
        "--demo-data",
        action="store_true",
        help="fill a fresh playground database with events, subscriptions and pitches",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder of the playground's own SQLite database (never the real one)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port takes a number from 0 to 65535")
    return args


def address_line(url: str) -> str:
    return (
        f"Tillsammans playground: open {url} in your browser. Everything runs on this "
        "machine and nothing reaches Telegram. To connect a real bot, set BOT_TOKEN (in the "
        "environment or .env) to the token @BotFather gives you."
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound before anything is served, so a taken port is said plainly (port 0: any)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT or SIGTERM."""
    sock = listening_socket(args.host, args.port)
    playground = Playground(args.data_dir, demo_data=args.demo_data)
    runner = web.AppRunner(
        create_app(playground, loopback_only=args.host in ("127.0.0.1", "localhost", "::1")),
        access_log=None,
        shutdown_timeout=2.0,
    )
    setup_logging("INFO", secrets=[playground.emulator.token])
    try:
        await playground.start()
        logging.getLogger().setLevel(playground.settings.log_level)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        host = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{host}:{sock.getsockname()[1]}"
        print(address_line(url), flush=True)  # noqa: T201
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        await playground.stop()
        sock.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except ConfigError as error:
        print(f"Configuration error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(  # noqa: T201
            f"Port {args.port} is in use: start the playground with --port N "
            f'(with make: make run PLAYGROUND_ARGS="--port N").',
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
