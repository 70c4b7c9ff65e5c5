"""Drive every free-text field the personal-data guard reads through HTTP, as the people who write it.

`DRIVERS` maps each entry of `guard.GUARDED_FIELDS` ("FormClass.field") to the
ways a person submits it: who writes (the question's owner, who knows the
resident, or someone else), the id of the field on the page, and what the
database then holds of such texts. `tests/questions/test_guarded_fields.py`
fails on a guarded field without a driver; the privacy walk puts the
resident's needles through every driver.
"""
from dataclasses import dataclass
from typing import Callable

from expertise.consultations import service as consultations
from expertise.consultations.models import AgendaItem
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.moderation.models import Flag, ModerationDecision
from expertise.questions import guard
from expertise.questions.models import Post, PostRevision, Question

from ..factories import make_post, make_series
from .residents import ask, question_from


class World:
    """anna's question about a new resident (asked through the form), eva's advice, a weekly consultation."""

    def __init__(self, cast, login):
        self.cast, self._login, self._clients = cast, login, {}
        self.question = question_from(ask(self.client(cast.anna), cast))
        self.advice = make_post(cast.eva, self.question, "Probeer een vast ritueel voor het slapengaan.")
        self.series = make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva])
        db.session.commit()

    def client(self, user):
        if user.id not in self._clients:
            self._clients[user.id] = self._login(user)
        return self._clients[user.id]

    def summary(self):
        """anna's second, closed question about the same resident, offered for the knowledge base (a draft)."""
        if getattr(self, "_summary", None) is None:
            from expertise.knowledge import scrub, service as knowledge

            from ..factories import make_closed_case

            question = make_closed_case(self.cast.anna, self.cast.eva, resident=self.question.resident,
                                        title="Eerdere casus over slapen")
            self._summary = knowledge.build_summary(self.cast.anna, question, scrub=scrub.scrub_text, now=utcnow())
            db.session.commit()
        return self._summary

    def meeting(self):
        return consultations.next_meeting(self.series, utcnow(), open_only=True)

    def planned_item(self):
        """Put the question on the meeting with eva present, so a conclusion can be written (once)."""
        if getattr(self, "_item", None) is not None:
            return self._item
        meeting = self.meeting()
        item = consultations.add_to_agenda(self.cast.cas, self.question, meeting, note="", now=utcnow())
        consultations.record_attendance(self.cast.cas, meeting, [(self.cast.eva, True, 60)], now=meeting.starts_at)
        db.session.commit()
        self._item = item
        return item


def _all(*columns):
    db.session.expire_all()
    texts = []
    for column in columns:
        texts += [t or "" for t in db.session.scalars(db.select(column))]
    return texts


def _post_texts():
    return _all(Post.body, PostRevision.body)


@dataclass(frozen=True)
class Driver:
    """One way to submit a guarded field: `submit(world, text, extra=None)` returns the response.

    `extra` adds form fields (the confirmation, for one).
    """

    field: str  # "FormClass.field"
    writer: str  # "owner" (knows the resident) or the role of someone else
    field_id: str  # the id of the field (and of its error, "<id>-error") on the page
    confirm: str  # the name the form posts its "Dit zijn geen herleidbare gegevens" box under
    submit: Callable
    stored: Callable  # () -> every stored text of this kind
    policy: str = guard.WARN  # what other personal data does: warn the writer, or hold the post (HOLD)

    @property
    def owner(self):
        return self.writer == "owner"

    def __str__(self):
        return f"{self.field}/{self.writer}"


def _question_field(name):
    def submit(world, text, extra=None):
        return ask(world.client(world.cast.anna), world.cast, **{name: text}, **(extra or {}))
    return submit


def _reply(user_of):
    def submit(world, text, extra=None):
        return world.client(user_of(world.cast)).post(f"/vragen/{world.question.id}/reageren",
                                                      {"body": text, "actie": "plaatsen"} | (extra or {}))
    return submit


def _close(world, text, extra=None):
    return world.client(world.cast.anna).post(f"/vragen/{world.question.id}/afsluiten",
                                              {"outcome": "followed", "explanation": text} | (extra or {}))


def _nominate(user_of):
    def submit(world, text, extra=None):
        return world.client(user_of(world.cast)).post(f"/vragen/{world.question.id}/agenderen",
                                                      {"meeting": str(world.meeting().id), "note": text} | (extra or {}))
    return submit


def _triage_schedule(world, text, extra=None):
    return world.client(world.cast.cas).post(f"/vragen/{world.question.id}/triage/agenderen",
                                             {"agenda-meeting": str(world.meeting().id), "agenda-note": text} | (extra or {}))


def _flag(user_of):
    def submit(world, text, extra=None):
        return world.client(user_of(world.cast)).post(f"/berichten/{world.advice.id}/melden",
                                                      {"reason": "anders", "note": text} | (extra or {}))
    return submit


def _decision(world, text, extra=None):
    return world.client(world.cast.mila).post(f"/moderatie/berichten/{world.advice.id}/besluit",
                                              {"actie": "reject", "reason": text} | (extra or {}))


def _redact_body(world, text, extra=None):
    return world.client(world.cast.mila).post(f"/moderatie/berichten/{world.advice.id}/redigeren",
                                              {"body": text, "reason": "Tekst aangepast."} | (extra or {}))


def _redact_reason(world, text, extra=None):
    return world.client(world.cast.mila).post(f"/moderatie/berichten/{world.advice.id}/redigeren",
                                              {"body": "Probeer een vast [verwijderd].", "reason": text} | (extra or {}))


def _conclusion(world, text, extra=None):
    item = world.planned_item()
    return world.client(world.cast.cas).post(f"/overleg/agendapunten/{item.id}/conclusie", {"conclusion": text} | (extra or {}))


def _sharpen(world, text, extra=None):
    return world.client(world.cast.cas).post(f"/vragen/{world.question.id}/triage/verduidelijken",
                                             {"vraag-body": text} | (extra or {}))


_SUMMARY_TEXTS = {"title": "Slapen na de scheiding", "situation": "Het kind slaapt slecht.", "request": "Wat helpt?",
                  "advice": "Een vast ritueel.", "outcome_note": "Het hielp."}


def _summary_field(name):
    def submit(world, text, extra=None):
        summary = world.summary()
        return world.client(world.cast.anna).post(f"/kennisbank/aanbod/{summary.id}",
                                                  _SUMMARY_TEXTS | {name: text, "actie": "opslaan"} | (extra or {}))
    return submit


def _summary_texts(name):
    from expertise.knowledge.models import CaseSummary

    return lambda: _all(getattr(CaseSummary, name))


_ANNA, _EVA, _OLAF, _CAS = (lambda c: c.anna), (lambda c: c.eva), (lambda c: c.olaf), (lambda c: c.cas)

DRIVERS = [
    Driver("QuestionForm.title", "owner", "title", "pii_confirmed", _question_field("title"), lambda: _all(Question.title)),
    Driver("QuestionForm.situation", "owner", "situation", "pii_confirmed", _question_field("situation"),
           lambda: _all(Question.situation)),
    Driver("QuestionForm.request", "owner", "request", "pii_confirmed", _question_field("request"), lambda: _all(Question.request)),
    Driver("PostForm.body", "owner", "body", "pii_confirmed", _reply(_ANNA), _post_texts),
    Driver("PostForm.body", "expert", "body", "", _reply(_EVA), _post_texts, guard.HOLD),
    Driver("CloseForm.explanation", "owner", "explanation", "pii_confirmed", _close, lambda: _all(Question.outcome_note)),
    Driver("NominateForm.note", "owner", "note", "pii_confirmed", _nominate(_ANNA), lambda: _all(AgendaItem.discussion_note)),
    Driver("NominateForm.note", "coordinator", "note", "pii_confirmed", _nominate(_CAS), lambda: _all(AgendaItem.discussion_note)),
    Driver("NominateForm.note", "triage", "agenda-note", "agenda-pii_confirmed", _triage_schedule, lambda: _all(AgendaItem.discussion_note)),
    Driver("FlagForm.note", "owner", "note", "pii_confirmed", _flag(_ANNA), lambda: _all(Flag.note)),
    Driver("FlagForm.note", "expert", "note", "pii_confirmed", _flag(_OLAF), lambda: _all(Flag.note)),
    Driver("DecisionForm.reason", "moderator", "reason", "pii_confirmed", _decision, lambda: _all(ModerationDecision.reason)),
    Driver("RedactForm.body", "moderator", "body", "pii_confirmed", _redact_body, _post_texts),
    Driver("RedactForm.reason", "moderator", "redaction-reason", "pii_confirmed", _redact_reason,
           lambda: _all(ModerationDecision.reason)),
    Driver("ConclusionForm.conclusion", "coordinator", "conclusion", "", _conclusion,
           lambda: _all(AgendaItem.conclusion) + _post_texts(), guard.HOLD),
    Driver("SharpenForm.body", "coordinator", "vraag-body", "", _sharpen, _post_texts, guard.HOLD),
] + [
    Driver(f"SummaryForm.{name}", "owner", name, "pii_confirmed", _summary_field(name), _summary_texts(name))
    for name in ("title", "situation", "request", "advice", "outcome_note")
]
