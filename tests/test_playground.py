"""The playground's server and start: what the page may ask, what it is refused, and `make run`
without a token reaching the page."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, FormData
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.config import PROJECT_ROOT
from playground.emulator import TelegramEmulator
from playground.personas import (
    ADMIN_ID,
    CHANNEL_ID,
    GROUP_ID,
    MAX_NAME_LENGTH,
    read_new_resident,
)
from playground.runtime import Playground
from playground.server import VOICE_SAMPLE, create_app
from playground.views import ChangeTracker
from tests.journeys import translator

KARIN = 7011
HEADERS = {"X-Playground": "1"}
ADDRESS = re.compile(r"open (http://127\.0\.0\.1:\d+) in your browser")


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    running = Playground(tmp_path / "playground")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def client(playground: Playground) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(playground), host="127.0.0.1")) as test_client:
        yield test_client


async def refused(client: TestClient, path: str, body: object, status: int = 400) -> str:
    response = await client.post(path, json=body, headers=HEADERS)
    assert response.status == status, await response.text()
    return (await response.json())["error"]


async def test_a_resident_writes_and_the_bot_answers_in_their_language(
    client: TestClient, playground: Playground
) -> None:
    response = await client.post(
        f"/api/chats/{KARIN}/text", json={"text": "/start"}, headers=HEADERS
    )
    assert response.status == 200
    karin = playground.emulator.users[KARIN]
    greeting = await karin.next_message()
    assert greeting.text is not None and greeting.text.startswith("Hej")
    state = await (await client.get("/api/state")).json()
    roles = {chat["chat_id"]: chat["role"] for chat in state["chats"]}
    assert roles[ADMIN_ID] == "admin" and roles[GROUP_ID] == "group"
    assert roles[CHANNEL_ID] == "channel"
    assert playground.settings.admin_ids == [ADMIN_ID]
    assert str(playground.settings.database_url).endswith("playground/playground.db")


async def test_what_does_not_read_gets_a_plain_answer_and_changes_nothing(
    client: TestClient, playground: Playground
) -> None:
    updates_before = len(playground.emulator.updates)
    assert await refused(client, f"/api/chats/{KARIN}/text", {"text": "  "}) == (
        "Write something first."
    )
    assert "4096" in await refused(client, f"/api/chats/{KARIN}/text", {"text": "x" * 4097})
    assert await refused(client, "/api/chats/123/text", {"text": "hi"}) == (
        "There is no such chat in the playground."
    )
    assert await refused(client, f"/api/chats/{CHANNEL_ID}/text", {"text": "hi"}) == (
        "Nobody can write in this chat."
    )
    assert await refused(client, f"/api/chats/{GROUP_ID}/text", {"text": "hi", "as": KARIN}) == (
        "Nobody can write in this chat."
    )
    assert await refused(client, f"/api/chats/{KARIN}/text", {"text": "hi", "reply_to": 999}) == (
        "The message you reply to is gone."
    )
    assert await refused(
        client, f"/api/chats/{KARIN}/press", {"message_id": 1, "row": 0, "column": 0}
    ) == ("That message is gone.")
    assert "latitude" in await refused(
        client, f"/api/chats/{KARIN}/location", {"latitude": 91, "longitude": 13}
    )
    assert "longitude" in await refused(
        client, f"/api/chats/{KARIN}/location", {"latitude": 55.6, "longitude": "east"}
    )
    assert "phone" in await refused(
        client, f"/api/chats/{KARIN}/contact", {"phone_number": "call me"}
    )
    assert await refused(client, "/api/jobs/run", {"id": "event:999:remind:24h"}) == (
        "That job is not scheduled any more."
    )
    assert "languages" in await refused(
        client, "/api/residents", {"name": "Ada", "language": "fi"}
    )
    response = await client.post(f"/api/chats/{KARIN}/photo", data=b"{}", headers=HEADERS)
    assert response.status == 400
    assert len(playground.emulator.updates) == updates_before


async def test_only_this_machines_pages_may_drive_it(client: TestClient) -> None:
    without_header = await client.post(f"/api/chats/{KARIN}/text", json={"text": "hi"})
    assert without_header.status == 403
    foreign = await client.get("/api/state", headers={"Host": "attacker.example:8080"})
    assert foreign.status == 403
    page = await client.get("/")
    assert page.status == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


async def test_a_pressed_button_and_a_fired_job_reach_the_bot(
    client: TestClient, playground: Playground
) -> None:
    await client.post(f"/api/chats/{KARIN}/text", json={"text": "/start"}, headers=HEADERS)
    karin = playground.emulator.users[KARIN]
    menu = await karin.next_message()
    response = await client.post(
        f"/api/chats/{KARIN}/press",
        json={"message_id": menu.message_id, "row": 0, "column": 0},
        headers=HEADERS,
    )
    assert (await response.json())["answered"] is True
    intro = await karin.next_message()
    assert intro.text == translator("sv")(
        "Wonderful, let's hear it! No idea is too small. I will ask {total} short "
        "questions. You can go back, skip the optional ones or cancel at any time, and "
        "your answers are saved as you go, so you can also continue another day. Nothing "
        "is shared before you send it."
    ).format(total=8)
    out_of_range = await refused(
        client,
        f"/api/chats/{KARIN}/press",
        {"message_id": menu.message_id, "row": 9, "column": 0},
    )
    assert out_of_range == "That button is not on the message any more."

    jobs = (await (await client.get("/api/jobs")).json())["jobs"]
    assert {"digest:weekly", "pitches:flag-untaken"} <= {job["id"] for job in jobs}
    response = await client.post("/api/jobs/run", json={"id": "digest:weekly"}, headers=HEADERS)
    assert response.status == 200
    await playground.emulator.wait_for(lambda: playground.scheduler.get_job("digest:weekly"))


async def test_photos_voice_notes_places_and_numbers_arrive_as_telegram_sends_them(
    client: TestClient, playground: Playground
) -> None:
    form = FormData()
    form.add_field("file", b"\xff\xd8\xff\xe0 a photo", filename="bike.jpg")
    form.add_field("caption", "Our bikes")
    response = await client.post(f"/api/chats/{KARIN}/photo", data=form, headers=HEADERS)
    assert response.status == 200, await response.text()
    photo = playground.emulator.user_messages[(KARIN, (await response.json())["message_id"])]
    assert photo["caption"] == "Our bikes"
    largest = playground.emulator.files[photo["photo"][-1]["file_id"]]
    assert largest.content == b"\xff\xd8\xff\xe0 a photo"

    response = await client.post(f"/api/chats/{KARIN}/voice", json={}, headers=HEADERS)
    voice = playground.emulator.user_messages[(KARIN, (await response.json())["message_id"])]
    sample = playground.emulator.files[voice["voice"]["file_id"]]
    assert sample.content == VOICE_SAMPLE.read_bytes() and sample.content.startswith(b"OggS")
    download = await client.get(f"/api/files/{sample.file_id}")
    assert download.status == 200 and await download.read() == sample.content

    response = await client.post(
        f"/api/chats/{KARIN}/location",
        json={"latitude": "55.5916", "longitude": 13.0089},
        headers=HEADERS,
    )
    place = playground.emulator.user_messages[(KARIN, (await response.json())["message_id"])]
    assert place["location"] == {"latitude": 55.5916, "longitude": 13.0089}

    response = await client.post(
        f"/api/chats/{KARIN}/contact", json={"phone_number": "+46 70 123 45 67"}, headers=HEADERS
    )
    shared = playground.emulator.user_messages[(KARIN, (await response.json())["message_id"])]
    assert shared["contact"] == {
        "phone_number": "+46 70 123 45 67",
        "first_name": "Karin",
        "user_id": KARIN,
    }


async def test_a_resident_added_on_the_page_has_their_language(
    client: TestClient, playground: Playground
) -> None:
    response = await client.post(
        "/api/residents", json={"name": "  Ana   María ", "language": "es"}, headers=HEADERS
    )
    chat_id = (await response.json())["chat_id"]
    assert playground.emulator.users[chat_id].language_code == "es"
    state = await (await client.get("/api/state")).json()
    added = next(chat for chat in state["chats"] if chat["chat_id"] == chat_id)
    assert (added["title"], added["role"], added["language"]) == ("Ana María", "resident", "es")

    await playground.stop()
    again = Playground(playground.data_dir)
    await again.start()
    try:
        assert again.persona(chat_id) == playground.persona(chat_id)
        assert again.emulator.users[chat_id].language_code == "es"
    finally:
        await again.stop()


@given(name=st.text(max_size=80), language=st.sampled_from(["sv", "en", "es", "ar", "fi", ""]))
def test_a_new_residents_name_is_read_strictly(name: str, language: str) -> None:
    try:
        read, chosen = read_new_resident(name, language)
    except ValueError as error:
        assert str(error).endswith(".")
        return
    assert read == " ".join(name.split()) and read
    assert len(read) <= MAX_NAME_LENGTH
    assert chosen == language


async def test_make_run_without_a_token_opens_the_playground(tmp_path: Path) -> None:
    """As on a fresh machine: no BOT_TOKEN, `make run` prints the address and serves the page."""
    env = {
        **os.environ,
        "BOT_TOKEN": "",  # set and empty: unset, whatever a .env holds
        "PLAYGROUND_ARGS": f"--port 0 --data-dir {tmp_path / 'playground'}",
    }
    process = await asyncio.create_subprocess_exec(
        "make",
        "--no-print-directory",
        "run",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = await asyncio.wait_for(_address(process), timeout=90)
        async with ClientSession() as session, session.get(url) as page:
            assert page.status == 200
            assert "Tillsammans playground" in await page.text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


async def _address(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    seen = []
    while line := (await process.stdout.readline()).decode():
        seen.append(line)
        if found := ADDRESS.search(line):
            assert "nothing reaches Telegram" in line and "BOT_TOKEN" in line
            return found.group(1)
    raise AssertionError("make run ended without the address:\n" + "".join(seen[-20:]))


async def test_the_production_entry_still_needs_a_token() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=PROJECT_ROOT,
        env={**os.environ, "BOT_TOKEN": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "BOT_TOKEN is missing" in err.decode()


async def test_with_a_token_make_runs_command_runs_the_real_bot(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """`run-or-playground` (what `make run` calls) polls the server at TELEGRAM_API_URL."""
    env = {
        **os.environ,
        "BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "REDIS_URL": "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run-or-playground",
        "--demo-data",
        cwd=PROJECT_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await emulator.wait_for(lambda: emulator.calls_to("getUpdates"), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        out, _err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert b"playground" not in out


async def test_the_page_is_told_each_new_edited_and_deleted_message_once(
    emulator: TelegramEmulator,
) -> None:
    tracker = ChangeTracker(emulator)
    person = emulator.user(KARIN, "Karin", language_code="sv")
    bot = emulator.create_bot()
    try:
        await person.send("hej <b>")
        sent = await bot.send_message(KARIN, "<b>Hej</b> &lt;du&gt;", reply_markup=None)
        first = tracker.changes()
        assert [(view["from_bot"], view["message_id"]) for view in first] == [
            (False, 1),
            (True, 2),
        ]
        assert first[0]["text"] == "hej <b>" and first[0]["entities"] == []
        assert first[1]["text"] == "Hej <du>"
        assert first[1]["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
        assert tracker.changes() == []
        await bot.edit_message_text("Hej igen", chat_id=KARIN, message_id=sent.message_id)
        (edited,) = tracker.changes()
        assert (edited["text"], edited["edited"], edited["deleted"]) == ("Hej igen", True, False)
        await bot.delete_message(KARIN, sent.message_id)
        (deleted,) = tracker.changes()
        assert deleted["deleted"] is True
    finally:
        await bot.session.close()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["7011", "-1", "١٢", "55.6", " 13.0 ", "1e3", "NaN", "", "0"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
ENDPOINTS = [
    (f"/api/chats/{KARIN}/text", ("text", "as", "reply_to")),
    (f"/api/chats/{GROUP_ID}/press", ("message_id", "row", "column", "as")),
    (f"/api/chats/{KARIN}/location", ("latitude", "longitude")),
    (f"/api/chats/{KARIN}/contact", ("phone_number", "as")),
    (f"/api/chats/{KARIN}/voice", ("reply_to", "as")),
    ("/api/residents", ("name", "language")),
    ("/api/jobs/run", ("id",)),
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    values=st.lists(json_values, min_size=4, max_size=4),
    whole=st.one_of(st.none(), json_values),
)
async def test_anything_the_page_may_send_is_answered_plainly(
    client: TestClient,
    endpoint: tuple[str, tuple[str, ...]],
    values: list[object],
    whole: object,
) -> None:
    """Whatever JSON comes, the answer is done (200) or says what is wrong (400): never a
    server error, never a change made from a value that does not read."""
    path, fields = endpoint
    body = whole if whole is not None else dict(zip(fields, values, strict=False))
    response = await client.post(path, json=body, headers=HEADERS)
    assert response.status in (200, 400), await response.text()
    answer = await response.json()
    if response.status == 400:
        assert answer["error"].endswith((".", "?"))
