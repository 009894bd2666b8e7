"""Pitch services over a real database (SQLite, and PostgreSQL where configured)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.city import load_city
from core.pitch_rules import InvalidAnswer
from core.services import pitching, users
from core.services.city_sync import sync_city_data
from storage import consents as consent_data
from storage.models import AreaRecord, IncubatorRecord, Pitch, PitchDraft

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CITY = load_city()


@pytest.fixture
async def city_loaded(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        assert await sync_city_data(session, CITY, now=NOW) is True


async def resident(session: AsyncSession, telegram_id: int) -> None:
    await users.ensure_user(
        session, telegram_id=telegram_id, language_code="sv", default_locale="sv", now=NOW
    )


async def complete_draft(session: AsyncSession, user_id: int, **place: object) -> PitchDraft:
    await resident(session, user_id)
    draft = await pitching.start_draft(session, user_id=user_id, language="sv", now=NOW)
    draft = await pitching.answer_title(session, draft=draft, text="Läxhjälp", now=NOW)
    draft = await pitching.answer_need(session, draft=draft, text="Barn behöver stöd", now=NOW)
    draft = await pitching.set_idea_text(session, draft=draft, text="Studiecirkel", now=NOW)
    draft = await pitching.finish_idea(session, draft=draft, now=NOW)
    draft = await pitching.choose_place(
        session, draft=draft, city=CITY, now=NOW, **place or {"neighbourhood_code": "holma"}
    )
    draft = await pitching.choose_theme(session, draft=draft, city=CITY, code="youth", now=NOW)
    draft = await pitching.finish_step(session, draft=draft, now=NOW)
    draft = await pitching.finish_step(session, draft=draft, now=NOW)
    draft = await pitching.contact_in_chat_only(session, draft=draft, now=NOW)
    return await pitching.give_consent(session, draft=draft, now=NOW)


async def test_city_data_is_loaded_once_and_again_on_change(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        assert await sync_city_data(session, CITY, now=NOW) is False
        areas = (await session.execute(select(AreaRecord).order_by(AreaRecord.position))).all()
        assert [row[0].code for row in areas] == [area.code for area in CITY.areas]
        citywide = await session.get(IncubatorRecord, "citywide")
        assert citywide is not None and citywide.is_fallback
        assert citywide.names["ar"] == CITY.incubator("citywide").names["ar"]  # type: ignore[union-attr]


async def test_submit_freezes_routes_and_numbers_per_year(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        draft = await complete_draft(session, 1)
        assert draft.step == "summary"
        first = await pitching.submit_draft(session, user_id=1, language="sv", city=CITY, now=NOW)
        await complete_draft(session, 2, area_code="norr")
        second = await pitching.submit_draft(session, user_id=2, language="ar", city=CITY, now=NOW)
        await complete_draft(session, 3, whole_city=True)
        next_year = NOW + timedelta(days=60)
        third = await pitching.submit_draft(
            session, user_id=3, language="es", city=CITY, now=next_year
        )
    assert (first.reference, second.reference) == ("MT-2026-0001", "MT-2026-0002")
    assert third.reference == "MT-2027-0001"
    assert (first.incubator_code, second.incubator_code, third.incubator_code) == (
        "vaster",
        "norr",
        "citywide",
    )
    assert first.area_code == "vaster" and first.neighbourhood_code == "holma"
    async with sessionmaker() as session:
        assert await pitching.current_draft(session, 1) is None
        mine = await pitching.pitches_for_resident(session, user_id=2, page=0)
        assert [p.reference for p in mine.pitches] == ["MT-2026-0002"]
        assert (mine.page, mine.pages, mine.total) == (0, 1, 1)
        assert mine.pitches[0].language == "ar" and mine.pitches[0].status == "received"


async def test_a_sent_pitch_records_its_consents_with_the_notice_version(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        await complete_draft(session, 11)
        in_chat = await pitching.submit_draft(
            session, user_id=11, language="sv", city=CITY, now=NOW
        )
        draft = await complete_draft(session, 12)
        draft.contact_phone = "+46701234567"
        await session.commit()
        by_phone = await pitching.submit_draft(
            session, user_id=12, language="sv", city=CITY, now=NOW
        )
    async with sessionmaker() as session:
        only_pitch = await consent_data.consents_of_user(session, 11)
        with_contact = await consent_data.consents_of_user(session, 12)
    assert [(c.kind, c.pitch_id) for c in only_pitch] == [("pitch", in_chat.id)]
    assert [(c.kind, c.pitch_id) for c in with_contact] == [
        ("pitch", by_phone.id),
        ("contact", by_phone.id),
    ]
    for consent in (*only_pitch, *with_contact):
        assert consent.notice_version == CITY.privacy.notice_version
        assert consent.given_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
        assert consent.withdrawn_at is None


async def test_incomplete_draft_cannot_be_submitted(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        await resident(session, 5)
        draft = await pitching.start_draft(session, user_id=5, language="sv", now=NOW)
        await pitching.answer_title(session, draft=draft, text="Bara en titel", now=NOW)
        with pytest.raises(InvalidAnswer) as caught:
            await pitching.submit_draft(session, user_id=5, language="sv", city=CITY, now=NOW)
        assert caught.value.reason == "incomplete"
        assert pitching.missing_answers(draft) == ["need", "idea", "where", "theme", "contact"]
        assert (await session.execute(select(Pitch))).first() is None


async def test_codes_are_checked_against_the_city(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        await resident(session, 6)
        draft = await pitching.start_draft(session, user_id=6, language="sv", now=NOW)
        draft.step = "where"
        for place in ({"neighbourhood_code": "atlantis"}, {"area_code": "mars"}, {}):
            with pytest.raises(InvalidAnswer) as caught:
                await pitching.choose_place(session, draft=draft, city=CITY, now=NOW, **place)
            assert caught.value.reason == "invalid"
        draft.step = "theme"
        with pytest.raises(InvalidAnswer, match="invalid"):
            await pitching.choose_theme(session, draft=draft, city=CITY, code="nope", now=NOW)
        draft.step = "support"
        with pytest.raises(InvalidAnswer, match="invalid"):
            await pitching.toggle_support(session, draft=draft, city=CITY, code="nope", now=NOW)
        draft.step = "who"
        with pytest.raises(InvalidAnswer, match="invalid"):
            await pitching.choose_submitter_kind(session, draft=draft, kind="king", now=NOW)
        draft.step = "summary"
        with pytest.raises(InvalidAnswer, match="invalid"):
            await pitching.edit_field(session, draft=draft, step="summary", now=NOW)


async def test_an_answer_for_another_step_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    """A typed answer or a button of a step the draft has left (an old message, another
    device) is refused as stale, and the draft stays as it was."""
    async with sessionmaker() as session:
        await resident(session, 13)
        draft = await pitching.start_draft(session, user_id=13, language="sv", now=NOW)
        answers = [
            pitching.answer_need(session, draft=draft, text="Behov", now=NOW),
            pitching.set_idea_text(session, draft=draft, text="Idé", now=NOW),
            pitching.add_idea_media(
                session, draft=draft, kind="photo", file_id="f", caption="Idé", now=NOW
            ),
            pitching.finish_idea(session, draft=draft, now=NOW),
            pitching.choose_place(session, draft=draft, city=CITY, whole_city=True, now=NOW),
            pitching.choose_theme(session, draft=draft, city=CITY, code="youth", now=NOW),
            pitching.toggle_support(session, draft=draft, city=CITY, code="venue", now=NOW),
            pitching.finish_step(session, draft=draft, now=NOW),
            pitching.choose_submitter_kind(session, draft=draft, kind="group", now=NOW),
            pitching.answer_submitter_name(session, draft=draft, text="Vi", now=NOW),
            pitching.contact_in_chat_only(session, draft=draft, now=NOW),
            pitching.set_email(session, draft=draft, text="a@example.se", now=NOW),
            pitching.set_phone(
                session, draft=draft, phone_number="46701234567", contact_user_id=13, now=NOW
            ),
            pitching.give_consent(session, draft=draft, now=NOW),
            pitching.edit_field(session, draft=draft, step="need", now=NOW),
        ]
        for answer in answers:
            with pytest.raises(InvalidAnswer) as caught:
                await answer
            assert caught.value.reason == "stale"
    async with sessionmaker() as session:
        stored = await pitching.current_draft(session, 13)
        assert stored is not None and stored.step == "title"
        assert (stored.need, stored.idea_text, stored.media, stored.theme_code) == (
            None,
            None,
            [],
            None,
        )
        assert not stored.whole_city and not stored.consent and stored.support_codes == []


async def test_only_the_residents_own_number_is_taken(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        await resident(session, 7)
        draft = await pitching.start_draft(session, user_id=7, language="sv", now=NOW)
        draft.step = "contact"
        with pytest.raises(InvalidAnswer) as caught:
            await pitching.set_phone(
                session, draft=draft, phone_number="+46700000000", contact_user_id=8, now=NOW
            )
        assert caught.value.reason == "not_own"
        draft = await pitching.set_phone(
            session, draft=draft, phone_number="46701234567", contact_user_id=7, now=NOW
        )
        assert draft.contact_phone == "+46701234567"


async def test_media_limit_and_captions(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        await resident(session, 9)
        draft = await pitching.start_draft(session, user_id=9, language="sv", now=NOW)
        draft.step = "idea"
        with pytest.raises(InvalidAnswer):
            await pitching.finish_idea(session, draft=draft, now=NOW)
        for number in range(5):
            draft = await pitching.add_idea_media(
                session, draft=draft, kind="photo", file_id=f"f{number}", caption=None, now=NOW
            )
        with pytest.raises(InvalidAnswer) as caught:
            await pitching.add_idea_media(
                session, draft=draft, kind="voice", file_id="v", caption="hej", now=NOW
            )
        assert caught.value.reason == "too_many"
        assert len(draft.media) == 5 and draft.idea_text is None


async def test_support_toggles_keep_the_city_order(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    async with sessionmaker() as session:
        await resident(session, 10)
        draft = await pitching.start_draft(session, user_id=10, language="sv", now=NOW)
        draft.step = "support"
        for code in ("funding", "contacts", "venue", "funding"):
            draft = await pitching.toggle_support(
                session, draft=draft, city=CITY, code=code, now=NOW
            )
        assert draft.support_codes == ["contacts", "venue"]


async def test_two_sends_at_once_make_one_pitch(
    sessionmaker: async_sessionmaker[AsyncSession], city_loaded: None
) -> None:
    """Send pressed on two devices, handled by two bot processes at the same moment: the
    draft is claimed by one; the other is told it is stale and nothing is doubled."""
    for user_id in range(20, 26):
        async with sessionmaker() as session:
            await complete_draft(session, user_id)

        async def send(user_id: int = user_id) -> Pitch | InvalidAnswer:
            async with sessionmaker() as session:
                try:
                    return await pitching.submit_draft(
                        session, user_id=user_id, language="sv", city=CITY, now=NOW
                    )
                except InvalidAnswer as error:
                    return error

        results = await asyncio.gather(send(), send())
        sent = [r for r in results if isinstance(r, Pitch)]
        refused = [r for r in results if isinstance(r, InvalidAnswer)]
        assert len(sent) == 1 and [r.reason for r in refused] == ["stale"]
        async with sessionmaker() as session:
            query = select(Pitch).where(Pitch.user_id == user_id)
            assert len((await session.execute(query)).all()) == 1
            assert await pitching.current_draft(session, user_id) is None
