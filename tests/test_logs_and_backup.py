"""JSON log lines (ids, never secrets) and `python -m bot backup PATH` (an online copy of
the SQLite database)."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.backup import backup_target
from bot.logging_setup import log_handler
from playground.emulator import TelegramEmulator
from storage.backup import BackupError, backup_sqlite
from tests.conftest import RunningBot

TOKEN = "123456:SECRET-token-value"


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_fields_and_never_the_token() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.json")
    logger.addHandler(log_handler([TOKEN], "json", stream))
    logger.propagate = False
    try:
        logger.warning("calling https://api.example/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"token {TOKEN} in an exception\nover two lines")
        except RuntimeError:
            logger.exception("it failed")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    assert TOKEN not in stream.getvalue()
    first, second = json_lines(stream)
    assert set(first) == {"time", "level", "logger", "message", "update_id", "user_id"}
    assert first["level"] == "WARNING"
    assert first["logger"] == "tests.json"
    assert first["message"] == "calling https://api.example/bot[redacted]/getMe"
    assert (first["update_id"], first["user_id"]) == (None, None)
    assert str(first["time"]).endswith("+00:00")
    assert "[redacted] in an exception" in str(second["exception"])


def test_text_stays_the_default_and_is_redacted_too() -> None:
    stream = io.StringIO()
    handler = log_handler([TOKEN], stream=stream)
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "token %s", (TOKEN,), None)
    handler.handle(record)
    line = stream.getvalue()
    assert line.endswith("INFO bot: token [redacted]\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


async def test_lines_logged_while_an_update_is_handled_carry_its_ids(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    stream = io.StringIO()
    handler = log_handler([emulator.token], "json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = logging.getLogger("aiogram.event").level
    logging.getLogger("aiogram.event").setLevel(logging.INFO)
    try:
        sara = emulator.user(1201, first_name="Sara", language_code="en")
        await sara.send("/start")
        update_id = emulator.updates[-1]["update_id"]
        await sara.next_message()
        await emulator.wait_for(lambda: f"id={update_id} is handled" in stream.getvalue())
    finally:
        root.removeHandler(handler)
        logging.getLogger("aiogram.event").setLevel(level)
    lines = json_lines(stream)
    handled = [line for line in lines if f"id={update_id} is handled" in str(line["message"])]
    assert handled, lines
    assert (handled[0]["update_id"], handled[0]["user_id"]) == (update_id, 1201)
    assert "Sara" not in stream.getvalue()
    assert emulator.token not in stream.getvalue()


def make_database(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        db.executemany("INSERT INTO notes (body) VALUES (?)", [("x" * 200,)] * rows)
    # The `with` commits but does not close; the file is complete all the same.


def test_backup_is_consistent_while_another_process_writes(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    make_database(source, 5000)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        with sqlite3.connect(source, timeout=30) as db:
            while not stop.is_set():
                db.execute("INSERT INTO notes (body) VALUES ('during')")
                db.commit()
                written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        size = backup_sqlite(source, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    assert size == (tmp_path / "copy.db").stat().st_size
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        count = copy.execute("SELECT count(*) FROM notes").fetchone()[0]
    assert 5000 <= count <= 5000 + written[0]
    assert not (tmp_path / ".copy.db.partial").exists()


def test_backup_refuses_what_it_must_not_do(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    make_database(source, 1)
    (tmp_path / "taken.db").write_text("keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup_sqlite(source, tmp_path / "taken.db")
    assert (tmp_path / "taken.db").read_text() == "keep me"
    with pytest.raises(BackupError, match="does not exist"):
        backup_sqlite(source, tmp_path / "no-such-folder" / "copy.db")
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "copy.db")


def test_a_folder_gets_a_dated_file() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 4, 21, 5, 9, tzinfo=UTC)
    assert backup_target(Path("/tmp"), moment) == Path("/tmp/tillsammans-20261204-210509.db")
    assert backup_target(Path("/tmp/x.db"), moment) == Path("/tmp/x.db")


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """main() sets up logging on the captured stderr; the next tests get pytest's back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("keep_logging")
def test_the_backup_command(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sqlite_template: object,
) -> None:
    """`python -m bot backup PATH` on the bot's own schema; PostgreSQL is pointed to pg_dump."""
    from tests.databases import SqliteTemplate

    assert isinstance(sqlite_template, SqliteTemplate)
    url = sqlite_template.copy_to(tmp_path / "bot.db")
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["backup", str(tmp_path / "copy.db")]) == 0
    assert capsys.readouterr().out == f"backed up to {tmp_path / 'copy.db'}\n"
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
    assert {"users", "pitches", "outbox"} <= tables

    assert main(["backup", str(tmp_path / "copy.db")]) == 1
    assert "already exists" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot@db:5432/bot")
    assert main(["backup", str(tmp_path / "pg.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "pg.db").exists()

    with pytest.raises(SystemExit) as usage:
        main(["backup"])
    assert usage.value.code == 2
