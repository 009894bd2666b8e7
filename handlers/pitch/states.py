"""The pitch journey's conversation states: one per step, and the moments between steps."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

from core import pitch_rules as rules


class PitchForm(StatesGroup):
    title = State()
    need = State()
    idea = State()
    where = State()
    location = State()
    theme = State()
    support = State()
    who = State()
    who_name = State()
    contact = State()
    phone = State()
    email = State()
    consent = State()
    summary = State()
    edit = State()
    cancel = State()
    resume = State()


# The state a draft's step is asked in.
STEP_STATES: dict[str, State] = {
    "title": PitchForm.title,
    "need": PitchForm.need,
    "idea": PitchForm.idea,
    "where": PitchForm.where,
    "theme": PitchForm.theme,
    "support": PitchForm.support,
    "who": PitchForm.who,
    "contact": PitchForm.contact,
    rules.SUMMARY: PitchForm.summary,
}
# States where the answer is a button: anything typed or sent is pointed to the buttons.
BUTTON_STATES = (
    PitchForm.where,
    PitchForm.theme,
    PitchForm.support,
    PitchForm.who,
    PitchForm.contact,
    PitchForm.consent,
    PitchForm.summary,
    PitchForm.edit,
    PitchForm.cancel,
    PitchForm.resume,
)
# States where the answer is typed text.
TEXT_STATES = (PitchForm.title, PitchForm.need, PitchForm.who_name, PitchForm.email)
