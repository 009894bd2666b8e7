"""`python -m bot` as real processes against the emulator: polling, webhook or clock, each
stopped with SIGTERM as a deploy stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from playground.emulator import TelegramEmulator

WEBHOOK_SECRET = "test_webhook-Secret_42"
WEBHOOK_PATH = "/telegram/webhook"


def free_port() -> int:
    """A port nothing listens on now (the process binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BotProcess:
    """One `python -m bot <command>` with its output in files; `env` overrides settings."""

    def __init__(
        self,
        emulator: TelegramEmulator,
        database_url: str,
        folder: Path,
        *,
        command: str = "run",
        name: str = "bot",
        **env: str,
    ) -> None:
        self.emulator = emulator
        self.command = command
        self.port = free_port()
        self.stdout_path = folder / f"{name}.stdout"
        self.stderr_path = folder / f"{name}.stderr"
        self.folder = folder
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "BOT_TOKEN": emulator.token,
            "TELEGRAM_API_URL": emulator.base_url,
            "DATABASE_URL": database_url,
            "DEFAULT_LOCALE": "sv",
            "RUN_SCHEDULER": "false",
            "LOG_LEVEL": "INFO",
            "PORT": str(self.port),
            # The web server serves the health routes itself; no second server per process.
            "HEALTH_PORT": "",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0

    @property
    def backend_url(self) -> str:
        """Where this process takes webhook updates (behind the emulator's balancer)."""
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    async def start(self, timeout: float = 60) -> None:  # noqa: ASYNC109
        """Start and wait until it takes updates (polls, or listens at its port)."""
        self.runs += 1
        calls_before = len(self.emulator.calls)
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                *([self.command] if self.command != "run" else []),
                env=self.env,
                cwd=self.folder,
                stdout=out,
                stderr=err,
            )
        await self.emulator.wait_for(
            lambda: self._exited() or self._ready(calls_before),
            timeout,
            description=lambda: f"{self.command} did not start:\n{self.stderr()}",
        )
        if self._exited():
            msg = f"{self.command} exited at start:\n{self.stderr()}"
            raise AssertionError(msg)
        if self.command == "web":  # listening is a moment apart from setWebhook
            await self._wait_listening(timeout)

    def _ready(self, calls_before: int) -> bool:
        expected = {"run": "getupdates", "web": "setwebhook"}.get(self.command)
        if expected is None:  # the clock says it runs in its log
            return "this process now runs the clock" in self.stderr()
        return any(c.method.lower() == expected for c in self.emulator.calls[calls_before:])

    async def _wait_listening(self, timeout: float) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if loop.time() > deadline or self._exited():
                    raise AssertionError(f"web is not listening:\n{self.stderr()}") from None
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return

    def _exited(self) -> bool:
        return self.process is None or self.process.returncode is not None

    def terminate(self) -> None:
        """SIGTERM, as a deploy or `docker stop` sends it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    async def wait_exit(self, timeout: float = 60) -> int:  # noqa: ASYNC109
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"{self.command} did not stop:\n{self.stderr()}") from None

    async def stop(self) -> int:
        self.terminate()
        return await self.wait_exit()

    async def close(self) -> None:
        """Make sure nothing is left running (a test that failed half-way)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def stdout(self) -> str:
        return self.stdout_path.read_text() if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""


def web_env(proxy_port: int) -> dict[str, str]:
    """Webhook settings: the public URL is the "proxy" in front of the processes."""
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{proxy_port}{WEBHOOK_PATH}",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
