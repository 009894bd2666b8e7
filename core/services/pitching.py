"""The pitch journey's use cases: a draft saved at every step, then a frozen, routed pitch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_rules as rules
from core.city import CityData, route_pitch
from core.pitch_rules import InvalidAnswer
from storage import consents as consent_data
from storage import pitches as pitch_data
from storage.models import Pitch, PitchDraft


async def current_draft(session: AsyncSession, user_id: int) -> PitchDraft | None:
    return await pitch_data.get_draft(session, user_id)


async def start_draft(
    session: AsyncSession,
    *,
    user_id: int,
    language: str,
    now: datetime,
    city: CityData | None = None,
    place_code: str | None = None,
) -> PitchDraft:
    """A fresh draft at the first step, replacing any earlier one; a poster's link names a
    neighbourhood or an area of the city (an unknown code is ignored)."""
    hood = city.neighbourhood(place_code) if city and place_code else None
    area = city.area(place_code) if city and place_code else None
    area_code = hood.area if hood else (area.code if area else None)
    neighbourhood_code = hood.code if hood else None
    await pitch_data.delete_draft(session, user_id)
    draft = PitchDraft(
        user_id=user_id,
        language=language,
        area_code=area_code,
        neighbourhood_code=neighbourhood_code,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    await session.commit()
    return draft


async def discard_draft(session: AsyncSession, *, user_id: int) -> None:
    await pitch_data.delete_draft(session, user_id)
    await session.commit()


def _expect_step(draft: PitchDraft, *steps: str) -> None:
    """An answer belongs to its step: a draft that has moved on (another device, an old
    message) is not changed by it."""
    if draft.step not in steps:
        raise InvalidAnswer("stale")


async def _save(session: AsyncSession, draft: PitchDraft, now: datetime) -> PitchDraft:
    draft.updated_at = now
    session.add(draft)
    await session.commit()
    return draft


async def _advance(session: AsyncSession, draft: PitchDraft, now: datetime) -> PitchDraft:
    """To the next step, or back to the summary when the answer was an edit from there."""
    if draft.editing:
        draft.step, draft.editing = rules.SUMMARY, False
    else:
        draft.step = rules.next_step(draft.step)
    return await _save(session, draft, now)


async def go_back(session: AsyncSession, *, draft: PitchDraft, now: datetime) -> PitchDraft:
    """One step back; from an edit, back to the summary. The first step stays."""
    if draft.editing:
        draft.step, draft.editing = rules.SUMMARY, False
    else:
        draft.step = rules.previous_step(draft.step) or draft.step
    return await _save(session, draft, now)


async def edit_field(
    session: AsyncSession, *, draft: PitchDraft, step: str, now: datetime
) -> PitchDraft:
    """From the summary to one step; its answer leads back to the summary."""
    _expect_step(draft, rules.SUMMARY)
    if step not in rules.STEPS:
        raise InvalidAnswer("invalid")
    draft.step, draft.editing = step, True
    return await _save(session, draft, now)


async def answer_title(
    session: AsyncSession, *, draft: PitchDraft, text: str | None, now: datetime
) -> PitchDraft:
    _expect_step(draft, "title")
    draft.title = rules.clean_text(text, limit=rules.TITLE_MAX)
    return await _advance(session, draft, now)


async def answer_need(
    session: AsyncSession, *, draft: PitchDraft, text: str | None, now: datetime
) -> PitchDraft:
    _expect_step(draft, "need")
    draft.need = rules.clean_text(text, limit=rules.NEED_MAX)
    return await _advance(session, draft, now)


async def set_idea_text(
    session: AsyncSession, *, draft: PitchDraft, text: str | None, now: datetime
) -> PitchDraft:
    """The idea's text (a new text replaces the old); the step waits for more or Next."""
    _expect_step(draft, "idea")
    draft.idea_text = rules.clean_text(text, limit=rules.IDEA_MAX)
    return await _save(session, draft, now)


async def add_idea_media(
    session: AsyncSession,
    *,
    draft: PitchDraft,
    kind: str,
    file_id: str,
    caption: str | None,
    now: datetime,
) -> PitchDraft:
    """A photo or voice note kept by its Telegram file id; a caption with something visible
    in it counts as the idea's text."""
    _expect_step(draft, "idea")
    if len(draft.media) >= rules.MEDIA_MAX:
        raise InvalidAnswer("too_many", limit=rules.MEDIA_MAX)
    text = rules.clean_caption(caption)
    if text is not None:
        draft.idea_text = text
    draft.media = [*draft.media, {"kind": kind, "file_id": file_id}]
    return await _save(session, draft, now)


async def finish_idea(session: AsyncSession, *, draft: PitchDraft, now: datetime) -> PitchDraft:
    _expect_step(draft, "idea")
    if not draft.idea_text and not draft.media:
        raise InvalidAnswer("empty")
    return await _advance(session, draft, now)


async def choose_place(
    session: AsyncSession,
    *,
    draft: PitchDraft,
    city: CityData,
    now: datetime,
    area_code: str | None = None,
    neighbourhood_code: str | None = None,
    whole_city: bool = False,
) -> PitchDraft:
    """A neighbourhood (its area follows), an area, or the whole city; unknown codes refused."""
    _expect_step(draft, "where")
    if whole_city:
        draft.area_code, draft.neighbourhood_code, draft.whole_city = None, None, True
    elif neighbourhood_code is not None:
        neighbourhood = city.neighbourhood(neighbourhood_code)
        if neighbourhood is None:
            raise InvalidAnswer("invalid")
        draft.area_code, draft.neighbourhood_code = neighbourhood.area, neighbourhood.code
        draft.whole_city = False
    elif area_code is not None and city.area(area_code) is not None:
        draft.area_code, draft.neighbourhood_code, draft.whole_city = area_code, None, False
    else:
        raise InvalidAnswer("invalid")
    return await _advance(session, draft, now)


async def choose_theme(
    session: AsyncSession, *, draft: PitchDraft, city: CityData, code: str, now: datetime
) -> PitchDraft:
    _expect_step(draft, "theme")
    if city.theme(code) is None:
        raise InvalidAnswer("invalid")
    draft.theme_code = code
    return await _advance(session, draft, now)


async def toggle_support(
    session: AsyncSession, *, draft: PitchDraft, city: CityData, code: str, now: datetime
) -> PitchDraft:
    _expect_step(draft, "support")
    if city.support_option(code) is None:
        raise InvalidAnswer("invalid")
    chosen = list(draft.support_codes)
    if code in chosen:
        chosen.remove(code)
    else:
        chosen.append(code)
    order = [option.code for option in city.support_options]
    draft.support_codes = sorted(chosen, key=order.index)
    return await _save(session, draft, now)


async def finish_step(session: AsyncSession, *, draft: PitchDraft, now: datetime) -> PitchDraft:
    """Done with an optional step (support, who), whatever was chosen."""
    _expect_step(draft, *rules.OPTIONAL_STEPS)
    return await _advance(session, draft, now)


async def choose_submitter_kind(
    session: AsyncSession, *, draft: PitchDraft, kind: str, now: datetime
) -> PitchDraft:
    _expect_step(draft, "who")
    if kind not in rules.SUBMITTER_KINDS:
        raise InvalidAnswer("invalid")
    draft.submitter_kind = kind
    return await _save(session, draft, now)


async def answer_submitter_name(
    session: AsyncSession, *, draft: PitchDraft, text: str | None, now: datetime
) -> PitchDraft:
    _expect_step(draft, "who")
    draft.submitter_name = rules.clean_text(text, limit=rules.NAME_MAX)
    return await _advance(session, draft, now)


async def contact_in_chat_only(
    session: AsyncSession, *, draft: PitchDraft, now: datetime
) -> PitchDraft:
    _expect_step(draft, "contact")
    draft.contact_phone, draft.contact_email = None, None
    return await _save(session, draft, now)


async def set_phone(
    session: AsyncSession,
    *,
    draft: PitchDraft,
    phone_number: str,
    contact_user_id: int | None,
    now: datetime,
) -> PitchDraft:
    """Only the resident's own number, as Telegram vouches for it, is accepted."""
    _expect_step(draft, "contact")
    if contact_user_id != draft.user_id:
        raise InvalidAnswer("not_own")
    draft.contact_phone = rules.clean_phone(phone_number)
    return await _save(session, draft, now)


async def set_email(
    session: AsyncSession, *, draft: PitchDraft, text: str | None, now: datetime
) -> PitchDraft:
    _expect_step(draft, "contact")
    draft.contact_email = rules.clean_email(text)
    return await _save(session, draft, now)


async def give_consent(session: AsyncSession, *, draft: PitchDraft, now: datetime) -> PitchDraft:
    _expect_step(draft, "contact")
    draft.consent = True
    return await _advance(session, draft, now)


def incubator_for(draft: PitchDraft, city: CityData) -> str:
    """The incubator the draft would go to now."""
    return route_pitch(
        city,
        area_code=draft.area_code,
        neighbourhood_code=draft.neighbourhood_code,
        theme_code=draft.theme_code,
    ).code


def missing_answers(draft: PitchDraft) -> list[str]:
    """Required steps without an answer (a draft edited into an odd state must not pass)."""
    missing = []
    if not draft.title:
        missing.append("title")
    if not draft.need:
        missing.append("need")
    if not draft.idea_text and not draft.media:
        missing.append("idea")
    if not (draft.area_code or draft.whole_city):
        missing.append("where")
    if not draft.theme_code:
        missing.append("theme")
    if not draft.consent:
        missing.append("contact")
    return missing


async def submit_draft(
    session: AsyncSession, *, user_id: int, language: str, city: CityData, now: datetime
) -> Pitch:
    """Freeze the draft into a pitch with a reference, route it and delete the draft.

    The draft is claimed first, as it was read: of two presses of Send at once (two
    devices, two bot processes) only one makes a pitch; the other gets 'stale'."""
    draft = await pitch_data.get_draft(session, user_id)
    if draft is None:
        raise InvalidAnswer("stale")
    if missing := missing_answers(draft):
        raise InvalidAnswer("incomplete", length=len(missing))
    _expect_step(draft, rules.SUMMARY)
    if not await pitch_data.claim_draft(session, user_id, draft.updated_at):
        await session.rollback()
        raise InvalidAnswer("stale")
    number = await pitch_data.next_reference_number(session, now.year)
    pitch = Pitch(
        reference=rules.format_reference(now.year, number),
        user_id=user_id,
        language=language,
        title=draft.title or "",
        need=draft.need or "",
        idea_text=draft.idea_text,
        media=list(draft.media),
        area_code=draft.area_code,
        neighbourhood_code=draft.neighbourhood_code,
        theme_code=draft.theme_code,
        support_codes=list(draft.support_codes),
        submitter_kind=draft.submitter_kind,
        submitter_name=draft.submitter_name,
        contact_phone=draft.contact_phone,
        contact_email=draft.contact_email,
        incubator_code=incubator_for(draft, city),
        consent_at=now,
        submitted_at=now,
        updated_at=now,
    )
    await pitch_data.add_pitch(session, pitch)
    await _record_consents(session, pitch, city.privacy.notice_version)
    await session.commit()
    return pitch


async def _record_consents(session: AsyncSession, pitch: Pitch, notice_version: str) -> None:
    """The consent given at the summary, with the notice version the resident was shown; a
    second one to be contacted when a phone or an e-mail was given."""
    assert pitch.id is not None and pitch.user_id is not None
    kinds = ["pitch"]
    if pitch.contact_phone or pitch.contact_email:
        kinds.append("contact")
    for kind in kinds:
        await consent_data.add_consent(
            session,
            user_id=pitch.user_id,
            pitch_id=pitch.id,
            kind=kind,
            notice_version=notice_version,
            given_at=pitch.consent_at,
        )


@dataclass(frozen=True, slots=True)
class PitchPage:
    """One page of a resident's pitches, newest first; `page` counts from 0."""

    pitches: Sequence[Pitch]
    page: int
    pages: int
    total: int


async def pitches_for_resident(session: AsyncSession, *, user_id: int, page: int) -> PitchPage:
    """The resident's own pitches, one page; a page past the end shows the last one."""
    total = await pitch_data.count_pitches_of_user(session, user_id)
    pages = rules.page_count(total, rules.MY_PITCHES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    pitches = await pitch_data.pitches_of_user(
        session,
        user_id,
        offset=page * rules.MY_PITCHES_PER_PAGE,
        limit=rules.MY_PITCHES_PER_PAGE,
    )
    return PitchPage(pitches=pitches, page=page, pages=pages, total=total)
