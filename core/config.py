"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    "LOG_FORMAT": "set LOG_FORMAT to text or json",
    "HEALTH_HOST": "set HEALTH_HOST to the address the health and metrics server listens on, "
    "like 127.0.0.1 or 0.0.0.0",
    "HEALTH_PORT": "set HEALTH_PORT to a port number from 1 to 65535, or set it empty to "
    "turn the health and metrics server off",
}
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

    def require_token(self) -> str:
        """The token, or a ConfigError for commands that talk to Telegram."""
        if self.bot_token is None:
            raise ConfigError(f"BOT_TOKEN is missing: {_HOW_TO_FIX['BOT_TOKEN']}.")
        return self.bot_token.get_secret_value().strip()


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
