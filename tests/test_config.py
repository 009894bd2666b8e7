"""Configuration: clear one-sentence errors, sensible defaults, no secret in output."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.logging_setup import RedactSecrets
from core.config import ConfigError, Settings, load_settings

TOKEN = "123456:SECRET-token-value"


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in (
        "BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "ADMIN_IDS",
        "DEFAULT_LOCALE",
        "TIMEZONE",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings(_env_file=None)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(monkeypatch, BOT_TOKEN=TOKEN)
    assert settings.require_token() == TOKEN
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("data/tillsammans.db")
    assert settings.default_locale == "sv"
    assert settings.timezone == "Europe/Stockholm"
    assert settings.admin_ids == []
    assert settings.telegram_api_url is None
    assert settings.redis_url is None


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        monkeypatch,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL="http://127.0.0.1:8081",
        DATABASE_URL="postgresql+asyncpg://bot@db:5432/bot",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ADMIN_IDS=" 12345, 67890 ,",
        DEFAULT_LOCALE="AR",
    )
    assert settings.admin_ids == [12345, 67890]
    assert settings.default_locale == "ar"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"


def test_single_admin_id(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_from(monkeypatch, BOT_TOKEN=TOKEN, ADMIN_IDS="42").admin_ids == [42]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_URL", "ftp://example"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
        ("ADMIN_IDS", "12,abc"),
        ("DEFAULT_LOCALE", "fr"),
        ("TIMEZONE", "Mars/Olympus"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_malformed_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    env = {"BOT_TOKEN": TOKEN, variable: value}
    with pytest.raises(ConfigError) as caught:
        settings_from(monkeypatch, **env)
    message = str(caught.value)
    assert message.startswith(f"{variable} is not valid: set {variable}")
    assert message.endswith(".")
    assert "\n" not in message
    assert value not in message or variable != "BOT_TOKEN"


def test_missing_token_is_reported_only_when_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(monkeypatch)
    with pytest.raises(ConfigError, match=r"^BOT_TOKEN is missing: set BOT_TOKEN"):
        settings.require_token()


def run_bot_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean_env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/tmp",
    )


def test_start_without_token_exits_2_with_one_sentence() -> None:
    result = run_bot_process({})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: BOT_TOKEN is missing")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_malformed_token_is_not_echoed() -> None:
    result = run_bot_process({"BOT_TOKEN": "oops-my-secret"})
    assert result.returncode == 2
    assert "oops-my-secret" not in result.stderr
    assert "BOT_TOKEN is not valid" in result.stderr


def test_redaction_filter_hides_the_token() -> None:
    import logging

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url /bot%s/getMe", (TOKEN,), None)
    RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "[redacted]" in record.getMessage()


def test_operations_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOG_FORMAT", "HEALTH_HOST", "HEALTH_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = settings_from(monkeypatch)
    assert (settings.log_format, settings.health_host, settings.health_port) == (
        "text",
        "127.0.0.1",
        8082,
    )
    settings = settings_from(
        monkeypatch, LOG_FORMAT="JSON", HEALTH_HOST="0.0.0.0", HEALTH_PORT="9"
    )
    assert (settings.log_format, settings.health_host, settings.health_port) == (
        "json",
        "0.0.0.0",
        9,
    )
    assert settings_from(monkeypatch, HEALTH_PORT=" ").health_port is None


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("LOG_FORMAT", "xml", "set LOG_FORMAT to text or json"),
        ("HEALTH_PORT", "70000", "set HEALTH_PORT to a port number from 1 to 65535"),
        ("HEALTH_PORT", "http", "set HEALTH_PORT to a port number from 1 to 65535"),
        ("HEALTH_HOST", "  ", "set HEALTH_HOST to the address"),
    ],
)
def test_operations_settings_say_how_to_fix_them(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from(monkeypatch, **{variable: value})
    assert str(error.value).startswith(f"{variable} is not valid: {hint}")
