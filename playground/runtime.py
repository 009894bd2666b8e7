"""The real bot (its Dispatcher, scheduler and outbox sender) polling the emulator, with the
playground's people in place: what `python -m bot` runs, but nothing reaches Telegram."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import jobs
from bot.app import (
    SenderWaker,
    create_bot,
    create_dispatcher,
    load_city_data,
    polling_options,
    prepare_database,
    start_clock,
)
from bot.scheduler import create_scheduler
from core.city import CityData
from core.config import PROJECT_ROOT, Settings, load_settings
from playground import demo
from playground.emulator import FakeUser, TelegramEmulator
from playground.personas import (
    ADMIN_ID,
    CHANNEL_ID,
    FIRST_NEW_RESIDENT_ID,
    Persona,
    default_personas,
    read_new_resident,
)
from storage.database import create_sessionmaker

logger = logging.getLogger(__name__)

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "playground"
BOT_USERNAME = "tillsammans_playground_bot"


def fake_token() -> str:
    """A token of Telegram's shape that no Telegram bot has: it only opens the emulator."""
    return f"{secrets.randbelow(9 * 10**8) + 10**8}:PLAYGROUND-{secrets.token_urlsafe(24)}"


def playground_settings(emulator: TelegramEmulator, data_dir: Path) -> Settings:
    """The bot's settings for the playground; the real database and token are never read."""
    return load_settings(
        _env_file=None,
        bot_token=emulator.token,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'playground.db'}",
        redis_url=None,
        admin_ids=[ADMIN_ID],
        default_locale="sv",
        timezone="Europe/Stockholm",
        announcement_chat_id=CHANNEL_ID,
        run_scheduler=True,
    )


class Playground:
    """The emulator, the bot polling it, and the people on the page."""

    def __init__(self, data_dir: Path = DEFAULT_DATA_DIR, *, demo_data: bool = False) -> None:
        self.data_dir = data_dir
        self.demo_data = demo_data
        self.emulator = TelegramEmulator(token=fake_token(), bot_username=BOT_USERNAME)
        self.personas: list[Persona] = default_personas()
        self._polling: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        await self.emulator.start()
        await self._wire_the_bot()
        self._register_chats()
        self._load_added_residents()
        await demo.put_staff_in_place(self)
        if self.demo_data:
            await demo.fill(self)
        await self._start_polling()

    async def _wire_the_bot(self) -> None:
        """What `run_polling` builds, on the playground's settings; the clock runs here."""
        self.settings = playground_settings(self.emulator, self.data_dir)
        self.city: CityData = load_city_data(self.settings)
        self.engine: AsyncEngine = await prepare_database(self.settings, self.city)
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(self.engine)
        self.bot: Bot = create_bot(self.settings)
        self.scheduler: AsyncIOScheduler = create_scheduler(self.settings)
        self.dispatcher: Dispatcher = create_dispatcher(
            self.settings, sessionmaker=self.sessionmaker, city=self.city, scheduler=self.scheduler
        )
        jobs.bind(
            jobs.JobContext(
                sessionmaker=self.sessionmaker,
                bot=self.bot,
                i18n=self.dispatcher["i18n"],
                settings=self.settings,
                city=self.city,
                waker=SenderWaker(self.dispatcher),
            )
        )
        start_clock(self.scheduler)

    async def _start_polling(self) -> None:
        polls = len(self.emulator.calls_to("getUpdates"))
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                polling_timeout=10,
                **polling_options(self.settings, self.dispatcher),
            )
        )
        await self.emulator.wait_for(
            lambda: self._polling.done() or len(self.emulator.calls_to("getUpdates")) > polls,  # type: ignore[union-attr]
            timeout=30,
            description="the bot did not start polling the emulator",
        )
        if self._polling.done():
            await self._polling

    async def stop(self) -> None:
        """Stop whatever `start` got to, in reverse order."""
        if self._polling is not None and not self._polling.done():
            await self.dispatcher.stop_polling()
            await self._polling
        self._polling = None
        if hasattr(self, "scheduler") and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if hasattr(self, "dispatcher"):
            await self.dispatcher.storage.close()
        if hasattr(self, "bot"):
            await self.bot.session.close()
        if hasattr(self, "engine"):
            await self.engine.dispose()
        await self.emulator.stop()

    # -- people ---------------------------------------------------------------------------------
    def _register_chats(self) -> None:
        for persona in self.personas:
            self._register(persona)

    def _register(self, persona: Persona) -> None:
        if persona.kind == "private":
            self.emulator.user(
                persona.chat_id, first_name=persona.title, language_code=persona.language
            )
            return
        chat = self.emulator.group(persona.chat_id, persona.title)
        chat.type = "supergroup" if persona.kind == "group" else "channel"

    def persona(self, chat_id: int) -> Persona | None:
        return next((p for p in self.personas if p.chat_id == chat_id), None)

    def add_resident(self, name: str, language: str) -> Persona:
        """Another resident on the page, with Telegram's language set to `language`; kept in
        the data folder, so the page shows them again after a restart."""
        user_id = max(FIRST_NEW_RESIDENT_ID - 1, *(p.chat_id for p in self.personas)) + 1
        persona = self._add(Persona(user_id, name, "private", "resident", language, (user_id,)))
        added = [
            {"id": p.chat_id, "name": p.title, "language": p.language}
            for p in self.personas
            if p.chat_id >= FIRST_NEW_RESIDENT_ID
        ]
        self._residents_file.write_text(json.dumps(added, ensure_ascii=False), encoding="utf-8")
        return persona

    def _add(self, persona: Persona) -> Persona:
        self.personas.insert(self._last_resident_index() + 1, persona)
        self._register(persona)
        return persona

    @property
    def _residents_file(self) -> Path:
        return self.data_dir / "residents.json"

    def _load_added_residents(self) -> None:
        """Residents added on the page before; an entry that does not read is left out."""
        if not self._residents_file.is_file():
            return
        try:
            entries = json.loads(self._residents_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning(
                "could not read %s; added residents are not shown", self._residents_file
            )
            return
        for entry in entries if isinstance(entries, list) else []:
            try:
                user_id = int(entry["id"])
                name, language = read_new_resident(entry.get("name"), entry.get("language"))
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            if user_id >= FIRST_NEW_RESIDENT_ID and self.persona(user_id) is None:
                self._add(Persona(user_id, name, "private", "resident", language, (user_id,)))

    def _last_resident_index(self) -> int:
        return max(i for i, p in enumerate(self.personas) if p.role == "resident")

    def speaker(self, persona: Persona, user_id: int | None) -> FakeUser | None:
        """Who writes in the chat: its own person, or one of the group's staff."""
        chosen = persona.speakers[0] if user_id is None and persona.speakers else user_id
        if chosen not in persona.speakers:
            return None
        return self.emulator.users.get(chosen)  # type: ignore[arg-type]

    # -- the clock ------------------------------------------------------------------------------
    async def jobs(self) -> list[dict[str, Any]]:
        """The scheduled jobs, soonest first (the job store is read off the event loop)."""
        found = await asyncio.to_thread(self.scheduler.get_jobs)
        found.sort(key=lambda job: (job.next_run_time is None, job.next_run_time or 0))
        return [
            {
                "id": job.id,
                "next_run": job.next_run_time.isoformat() if job.next_run_time else None,
            }
            for job in found
        ]

    async def run_job_now(self, job_id: str) -> bool:
        """Move a job's next run to now; False when there is no such job."""
        now = datetime.now(self.settings.tz)
        try:
            await asyncio.to_thread(self.scheduler.modify_job, job_id, next_run_time=now)
        except JobLookupError:
            return False
        self.scheduler.wakeup()
        return True
