"""Configuration: clear one-sentence errors, sensible defaults, no secret in output."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.logging_setup import RedactSecrets
from core.config import ConfigError, Settings, load_settings
from core.retention import RetentionPolicy

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
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "PORT",
        "SHUTDOWN_GRACE_SECONDS",
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


def test_retention_periods_default_and_read(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = settings_from(monkeypatch, BOT_TOKEN=TOKEN)
    assert defaults.erase_pitch_text is False
    assert defaults.retention == RetentionPolicy(
        draft_days=30,
        outbox_days=90,
        closed_pitch_months=24,
        audit_months=24,
        inactive_user_months=12,
    )
    chosen = settings_from(
        monkeypatch,
        BOT_TOKEN=TOKEN,
        ERASE_PITCH_TEXT="true",
        RETENTION_OUTBOX_DAYS="14",
        RETENTION_INACTIVE_USER_MONTHS="36",
    )
    assert chosen.erase_pitch_text is True
    assert (chosen.retention.outbox_days, chosen.retention.inactive_user_months) == (14, 36)
    now = datetime(2026, 12, 4, tzinfo=UTC)
    assert chosen.retention.outbox_before(now) == now - timedelta(days=14)
    assert chosen.retention.inactive_users_before(now) == now - timedelta(days=36 * 30)


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
        ("ERASE_PITCH_TEXT", "perhaps"),
        ("RETENTION_DRAFT_DAYS", "0"),
        ("RETENTION_OUTBOX_DAYS", "ninety"),
        ("RETENTION_CLOSED_PITCH_MONTHS", "121"),
        ("RETENTION_AUDIT_MONTHS", "-1"),
        ("RETENTION_INACTIVE_USER_MONTHS", "1.5"),
        ("WEBHOOK_URL", "http://bot.example.org/hook"),
        ("WEBHOOK_URL", "ftp://127.0.0.1/hook"),
        ("WEBHOOK_URL", "https:///hook"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("WEBHOOK_SECRET", "x" * 257),
        ("WEBHOOK_SECRET", "tecken-åäö"),
        ("PORT", "0"),
        ("PORT", "http"),
        ("SHUTDOWN_GRACE_SECONDS", "0"),
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


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.org/telegram/webhook",
        "http://127.0.0.1:8080/hook",
        "http://[::1]:8080/hook",
        "http://localhost/hook",
    ],
)
def test_webhook_settings(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    settings = settings_from(
        monkeypatch, BOT_TOKEN=TOKEN, WEBHOOK_URL=url, WEBHOOK_SECRET="Ab_9-" * 51, PORT="9000"
    )
    assert settings.require_webhook() == (url, "Ab_9-" * 51)
    assert settings.port == 9000
    assert settings.shutdown_grace_seconds == 25


def test_webhook_mode_needs_its_url_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(monkeypatch, BOT_TOKEN=TOKEN)
    assert settings.port == 8080
    with pytest.raises(ConfigError, match=r"^WEBHOOK_URL is missing: set WEBHOOK_URL"):
        settings.require_webhook()
    settings = settings_from(monkeypatch, BOT_TOKEN=TOKEN, WEBHOOK_URL="https://x.org/hook")
    with pytest.raises(ConfigError, match=r"^WEBHOOK_SECRET is missing: set WEBHOOK_SECRET"):
        settings.require_webhook()


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


def test_web_without_a_secret_exits_2_with_one_sentence() -> None:
    result = run_bot_process(
        {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://bot.example.org/telegram/webhook"}, "web"
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: WEBHOOK_SECRET is missing")
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_a_malformed_secret_is_not_echoed() -> None:
    result = run_bot_process(
        {
            "BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "WEBHOOK_SECRET": "my secret!",
        },
        "web",
    )
    assert result.returncode == 2
    assert "WEBHOOK_SECRET is not valid" in result.stderr
    assert "my secret!" not in result.stderr


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
