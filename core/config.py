"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.retention import RetentionPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES: tuple[str, ...] = ("sv", "en", "es", "ar")
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'tillsammans.db'}"
DEFAULT_CITY_FILE = PROJECT_ROOT / "core" / "cities" / "malmo.toml"

# What to tell an operator for each variable that is missing or malformed.
_HOW_TO_FIX: dict[str, str] = {
    "BOT_TOKEN": "set BOT_TOKEN to the token @BotFather gave you (like 123456:ABC-DEF...)",
    "TELEGRAM_API_URL": "set TELEGRAM_API_URL to an http(s) base URL such as "
    "http://127.0.0.1:8081, or leave it unset to use Telegram's own servers",
    "DATABASE_URL": "set DATABASE_URL to sqlite+aiosqlite:///path/to/file.db or "
    "postgresql+asyncpg://user:password@host:5432/dbname, or leave it unset",
    "REDIS_URL": "set REDIS_URL to redis://host:6379/0, or leave it unset",
    "ADMIN_IDS": "set ADMIN_IDS to Telegram user ids separated by commas, like 12345,67890",
    "DEFAULT_LOCALE": f"set DEFAULT_LOCALE to one of {', '.join(SUPPORTED_LOCALES)}",
    "TIMEZONE": "set TIMEZONE to an IANA time zone name such as Europe/Stockholm",
    "LOG_LEVEL": "set LOG_LEVEL to DEBUG, INFO, WARNING or ERROR",
    "MAX_CONCURRENT_UPDATES": "set MAX_CONCURRENT_UPDATES to a whole number from 1 to 256",
    "DELIVERY_RATE": "set DELIVERY_RATE to the messages per second sent at most, "
    "a number from 1 to 30 (Telegram allows about 30)",
    "ALLOW_PAID_BROADCAST": "set ALLOW_PAID_BROADCAST to true or false",
    "PAID_BROADCAST_RATE": "set PAID_BROADCAST_RATE to a whole number from 1 to 1000",
    "CITY_DATA_FILE": "set CITY_DATA_FILE to the path of an existing city data file "
    "(like core/cities/malmo.toml), or leave it unset",
    "ANNOUNCEMENT_CHAT_ID": "set ANNOUNCEMENT_CHAT_ID to the numeric id of the channel "
    "(like -1001234567890), or leave it unset",
    "RUN_SCHEDULER": "set RUN_SCHEDULER to true or false",
    "ERASE_PITCH_TEXT": "set ERASE_PITCH_TEXT to true or false",
    "RETENTION_DRAFT_DAYS": "set RETENTION_DRAFT_DAYS to a whole number of days from 1 to 3650",
    "RETENTION_OUTBOX_DAYS": "set RETENTION_OUTBOX_DAYS to a whole number of days from 1 to 3650",
    "RETENTION_CLOSED_PITCH_MONTHS": "set RETENTION_CLOSED_PITCH_MONTHS to a whole number "
    "of months from 1 to 120",
    "RETENTION_AUDIT_MONTHS": "set RETENTION_AUDIT_MONTHS to a whole number of months "
    "from 1 to 120",
    "RETENTION_INACTIVE_USER_MONTHS": "set RETENTION_INACTIVE_USER_MONTHS to a whole number "
    "of months from 1 to 120",
    "WEBHOOK_URL": "set WEBHOOK_URL to the public https URL Telegram posts updates to "
    "(like https://bot.example.org/telegram/webhook; plain http only on a loopback address)",
    "WEBHOOK_SECRET": "set WEBHOOK_SECRET to 1 to 256 characters of A-Z, a-z, 0-9, _ and -",
    "PORT": "set PORT to the port the web server listens on, a whole number from 1 to 65535",
    "SHUTDOWN_GRACE_SECONDS": "set SHUTDOWN_GRACE_SECONDS to the seconds work in flight may "
    "take to finish on a stop, a number from 1 to 600",
    "LOG_FORMAT": "set LOG_FORMAT to text or json",
    "HEALTH_HOST": "set HEALTH_HOST to the address the health and metrics server listens on, "
    "like 127.0.0.1 or 0.0.0.0",
    "HEALTH_PORT": "set HEALTH_PORT to a port number from 1 to 65535, or set it empty to "
    "turn the health and metrics server off",
}
# What Telegram accepts as a webhook's secret_token.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOG_FORMATS: tuple[str, ...] = ("text", "json")
DEFAULT_HEALTH_PORT = 8082


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one sentence for the operator."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = "sv"
    timezone: str = "Europe/Stockholm"
    log_level: str = "INFO"
    # One JSON object per line for a log pipeline, or the plain text lines (the default).
    log_format: str = "text"
    city_data_file: Path = DEFAULT_CITY_FILE
    max_concurrent_updates: int = Field(default=16, ge=1, le=256)
    # A channel or group where published events are also posted (in DEFAULT_LOCALE).
    announcement_chat_id: int | None = None
    # Run the scheduled jobs in this process; false when a separate `python -m bot clock` runs.
    run_scheduler: bool = True
    # The outbox sender (bot/delivery.py): messages per second overall. With paid broadcasts
    # (Telegram charges Stars above 30/s) the ceiling is PAID_BROADCAST_RATE instead.
    delivery_rate: float = Field(default=25, ge=1, le=30)
    allow_paid_broadcast: bool = False
    paid_broadcast_rate: int = Field(default=1000, ge=1, le=1000)
    # Erasure (/forget, /erase, a withdrawn consent): by default a pitch's own text and fields
    # stay, anonymised, as the incubator's record (a public record); true removes them too.
    erase_pitch_text: bool = False
    # How long personal data is kept (core/retention.py); a daily job applies the periods.
    retention_draft_days: int = Field(default=30, ge=1, le=3650)
    retention_outbox_days: int = Field(default=90, ge=1, le=3650)
    retention_closed_pitch_months: int = Field(default=24, ge=1, le=120)
    retention_audit_months: int = Field(default=24, ge=1, le=120)
    retention_inactive_user_months: int = Field(default=12, ge=1, le=120)
    # `python -m bot web`: where Telegram posts updates, the secret it sends with each, and
    # the port this process listens on (behind the reverse proxy).
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = Field(default=8080, ge=1, le=65535)
    # On SIGTERM: how long updates, jobs and sends in flight may take to finish.
    shutdown_grace_seconds: float = Field(default=25, ge=1, le=600)
    # /healthz, /readyz and /metrics (bot/health.py) in every mode; None turns them off.
    health_host: str = "127.0.0.1"
    health_port: int | None = Field(default=DEFAULT_HEALTH_PORT, ge=1, le=65535)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        bot_id, sep, secret = value.get_secret_value().strip().partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("malformed token")
        return value

    @field_validator(
        "bot_token",
        "telegram_api_url",
        "redis_url",
        "announcement_chat_id",
        "webhook_url",
        "webhook_secret",
        "health_port",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if not parts.hostname or parts.scheme not in {"http", "https"}:
            raise ValueError("not an http(s) URL")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ValueError("plain http outside the loopback address")
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("not a secret Telegram accepts")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("unsupported database URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a redis URL")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LOCALES:
            raise ValueError("unsupported locale")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("unknown log level")
        return value

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in LOG_FORMATS:
            raise ValueError("unknown log format")
        return value

    @field_validator("health_host")
    @classmethod
    def _health_host_given(cls, value: str) -> str:
        value = value.strip()
        if not value or any(char.isspace() for char in value):
            raise ValueError("not a host")
        return value

    @field_validator("city_data_file")
    @classmethod
    def _city_file_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError("no such file")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            draft_days=self.retention_draft_days,
            outbox_days=self.retention_outbox_days,
            closed_pitch_months=self.retention_closed_pitch_months,
            audit_months=self.retention_audit_months,
            inactive_user_months=self.retention_inactive_user_months,
        )

    def require_token(self) -> str:
        """The token, or a ConfigError for commands that talk to Telegram."""
        if self.bot_token is None:
            raise ConfigError(f"BOT_TOKEN is missing: {_HOW_TO_FIX['BOT_TOKEN']}.")
        return self.bot_token.get_secret_value().strip()

    def require_webhook(self) -> tuple[str, str]:
        """The webhook's URL and secret, or a ConfigError: `python -m bot web` needs both."""
        if self.webhook_url is None:
            raise ConfigError(f"WEBHOOK_URL is missing: {_HOW_TO_FIX['WEBHOOK_URL']}.")
        if self.webhook_secret is None:
            raise ConfigError(f"WEBHOOK_SECRET is missing: {_HOW_TO_FIX['WEBHOOK_SECRET']}.")
        return self.webhook_url, self.webhook_secret.get_secret_value()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one plain sentence (no secret echoed)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        problem = "is missing" if first["type"] == "missing" else "is not valid"
        how = _HOW_TO_FIX.get(variable, "check its value")
        raise ConfigError(f"{variable} {problem}: {how}.") from None
