"""The Dockerfile and compose.yaml (no container engine runs here): every command a service
runs is one of the Procfile's and one `python -m bot` knows, every variable it sets is a
setting the program reads, and every service has a health check."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import yaml

from bot.__main__ import main
from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
# Webhook mode (`python -m bot web` with WEBHOOK_URL, WEBHOOK_SECRET and PORT) is built on
# another branch. Until `web` is a command of `python -m bot`, compose may name it and its
# settings; from then on they are checked against the program like every other.
WEBHOOK_MODE = ("web", {"WEBHOOK_URL", "WEBHOOK_SECRET", "PORT"})


def bot_commands() -> set[str]:
    """The commands `python -m bot` accepts, as its usage line lists them."""
    usage = io.StringIO()
    with contextlib.redirect_stdout(usage), contextlib.suppress(SystemExit):
        main(["--help"])
    found = re.search(r"\{([a-z,-]+)\}", usage.getvalue())
    assert found, usage.getvalue()
    return set(found.group(1).split(","))


def known_settings() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def procfile_commands() -> set[str]:
    """The Procfile's commands, with the optional ones it shows commented out."""
    commands = set()
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        found = re.fullmatch(r"#?\s*([a-z]+):\s*(python -m bot.*)", line.strip())
        if found:
            commands.add(found.group(2).strip())
    return commands


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def our_services() -> dict[str, dict[str, Any]]:
    services = compose()["services"]
    return {name: service for name, service in services.items() if "build" in service}


def allowances() -> tuple[set[str], set[str], set[str]]:
    """(commands, settings, Procfile commands) allowed beyond what this code has."""
    command, settings = WEBHOOK_MODE
    if command in bot_commands():
        return set(), set(), set()
    return {command}, settings, {f"python -m bot {command}"}


def test_every_service_runs_a_known_command_of_the_procfile() -> None:
    extra_commands, _settings, extra_procfile = allowances()
    commands = bot_commands() | extra_commands
    procfile = procfile_commands() | extra_procfile
    services = our_services()
    assert set(services) == {"web", "clock"}
    for name, service in services.items():
        command = service["command"]
        assert command[:3] == ["python", "-m", "bot"], name
        assert len(command) == 4 and command[3] in commands, (name, command)
        assert " ".join(command) in procfile, (name, command, procfile)


def test_every_variable_a_service_sets_is_a_setting() -> None:
    _commands, extra_settings, _procfile = allowances()
    known = known_settings() | extra_settings
    for name, service in our_services().items():
        variables = set(service["environment"])
        assert variables - known == set(), name
        assert {"BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "HEALTH_PORT"} <= variables, name
        assert service["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert service["environment"]["HEALTH_HOST"] == "0.0.0.0"


def test_every_service_has_a_health_check_and_waits_for_what_it_needs() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "web", "clock"} <= set(services)
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    for name, service in our_services().items():
        port = service["environment"]["HEALTH_PORT"]
        probe = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/readyz" in probe, name
        for needed in ("postgres", "redis"):
            assert service["depends_on"][needed]["condition"] == "service_healthy", name


def test_the_image_is_slim_runs_as_a_user_and_has_compiled_catalogs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.1[1-9]-slim\b", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert "python -m bot compile-catalogs" in dockerfile
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd is not None
    assert " ".join(yaml.safe_load(cmd.group(1))) in procfile_commands()
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "data"} <= set(ignored)
