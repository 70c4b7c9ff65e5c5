"""The knowledge base's rules: offering a closed case, reviewing, approving, finding, withdrawing.

Life of a summary: the owner of a closed question offers it (`build_summary`,
texts scrubbed in the owner's request by `knowledge.owner`), reviews and may
edit the scrubbed text (`update_summary`), submits it (`submit_summary`); a
moderator publishes or rejects it (`decide_summary`). Until it is published
only its owner sees it (a moderator from submitting on); a rejected one only
its owner. Erasing the resident deletes every unpublished summary of its
questions (`withdraw_unpublished`); a published one is a record of its own.

Like every service: no request, no session, only flush.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.models import ExpertiseArea, Role
from ..core import erasure
from ..extensions import db
from ..questions.models import PostKind, PostStatus, Question, Status
from ..questions.service import visible_questions_filter
from . import search
from .models import AGE_BANDS, AnswerFound, CaseSummary, SummaryStatus, age_band

# Who reads the knowledge base: the professionals of the platform (admins manage accounts only).
READER_ROLES = (Role.FAMILY_WORKER, Role.EXPERT, Role.MODERATOR, Role.COORDINATOR)
UNPUBLISHED = (SummaryStatus.DRAFT, SummaryStatus.SUBMITTED, SummaryStatus.REJECTED)
EDITABLE = (SummaryStatus.DRAFT, SummaryStatus.REJECTED)
SIMILAR_CASES = 5
SIMILAR_QUESTIONS = 3
PER_PAGE = 20
TEXT_FIELDS = ("title", "situation", "request", "advice", "outcome_note")
LIMITS = {"title": 150, "situation": 10000, "request": 5000, "advice": 30000, "outcome_note": 2000}


class KnowledgeError(Exception):
    """A rule of the knowledge base refused; `message` is for the person (Dutch), `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def enabled():
    """Is the knowledge base switched on for this deployment (KNOWLEDGE_BASE_ENABLED)?"""
    return bool(current_app.config.get("KNOWLEDGE_BASE_ENABLED", True))


def summaries_of(question):
    """Return the question's summaries (the owner's offers), newest first."""
    return db.session.scalars(
        sa.select(CaseSummary).where(CaseSummary.question_id == question.id).order_by(CaseSummary.id.desc())
    ).all()


def can_offer(user, question):
    """The owner may offer a closed question once (again after a rejection was withdrawn)."""
    return (
        enabled()
        and question.owner_id == user.id
        and question.is_closed
        and question.texts_erased_at is None
        and not summaries_of(question)
    )


def _advice_sections(question, scrub):
    """Return the published advices as text: per advice its organisation and area, then its scrubbed text.

    Names of experts are left out (the summary is read by everyone); the
    organisation and the question's areas the expert covers say where it came from.
    """
    question_areas = {a.id for a in question.areas}
    sections, organisations = [], []
    for post in question.posts:
        if post.kind != PostKind.ADVICE or post.status != PostStatus.PUBLISHED:
            continue
        organisation = post.organisation.name if post.organisation is not None else ""
        areas = [a.name for a in post.author.expertise_areas if a.id in question_areas]
        heading = organisation or str(_l("Deskundige"))
        if areas:
            heading += f" ({', '.join(areas)})"
        sections.append(f"{heading}:\n{scrub(post.body)}")
        if organisation and organisation not in organisations:
            organisations.append(organisation)
    return "\n\n".join(sections), organisations


def without_headings(advice, organisations):
    """Return the advice text without the headings the platform wrote ("Youké (Opvoeding):").

    For the guard's check of the owner's edits: an area name in a heading is
    no personal data ("Opvoeding" reads like a name to the rules), and the
    owner did not write it.
    """
    starts = tuple(organisations) + (str(_l("Deskundige")),)
    return "\n".join("" if line.rstrip().endswith(":") and line.startswith(starts) else line
                     for line in (advice or "").split("\n"))


def build_summary(owner, question, *, scrub, now):
    """Create the draft summary of a closed question, every text passed through `scrub`.

    `scrub(text)` is called in the owner's request with the resident's
    identity at hand (`knowledge.owner.offer_case`). The summary copies the
    scrubbed texts: nothing of it changes when the question does.
    """
    if not enabled():
        raise KnowledgeError(_l("De kennisbank staat uit."))
    if question.owner_id != owner.id:
        raise KnowledgeError(_l("Alleen de eigenaar van de vraag kan dit doen."))
    if not question.is_closed:
        raise KnowledgeError(_l("Alleen een afgesloten vraag kun je aanbieden voor de kennisbank."))
    if summaries_of(question):
        raise KnowledgeError(_l("Deze vraag is al aangeboden voor de kennisbank."))
    advice, organisations = _advice_sections(question, scrub)
    summary = CaseSummary(
        question_id=question.id, owner_id=owner.id, team_id=question.team_id, status=SummaryStatus.DRAFT.value,
        title=scrub(question.title)[:150], situation=scrub(question.situation), request=scrub(question.request),
        advice=advice, outcome_note=scrub(question.outcome_note), outcome=question.outcome,
        age_band=age_band(question.child_age), organisations=organisations, case_closed_at=question.closed_at,
        created_at=now, decision_reason="",
    )
    summary.areas = list(question.areas)
    db.session.add(summary)
    db.session.flush()
    return summary


def update_summary(owner, summary, *, texts, pii_check=None, now):
    """Save the owner's edits of an unpublished summary (the guard read them first: `knowledge.owner`)."""
    _require_editable(owner, summary)
    for name in TEXT_FIELDS:
        value = (texts.get(name) or "").strip()
        if len(value) > LIMITS[name]:
            raise KnowledgeError(_l("Deze tekst is te lang."), name)
        setattr(summary, name, value)
    if not summary.title:
        raise KnowledgeError(_l("Geef de casus een titel."), "title")
    summary.pii_check = pii_check
    if summary.status == SummaryStatus.REJECTED:
        summary.status = SummaryStatus.DRAFT.value
    db.session.flush()
    return summary


def _require_editable(owner, summary):
    if summary.owner_id != owner.id:
        raise KnowledgeError(_l("Alleen wie de casus aanbood kan dit doen."))
    if summary.status not in EDITABLE:
        raise KnowledgeError(_l("Deze samenvatting kan niet meer worden gewijzigd."))


def submit_summary(owner, summary, now):
    """Send the reviewed summary to the moderators."""
    _require_editable(owner, summary)
    summary.status = SummaryStatus.SUBMITTED.value
    summary.submitted_at = now
    summary.decided_at = summary.decided_by_id = None
    summary.decision_reason = ""
    db.session.flush()
    return summary


def delete_summary(owner, summary):
    """Let the owner take back an unpublished offer; its text is erased on disk."""
    if summary.owner_id != owner.id or summary.status not in UNPUBLISHED:
        raise KnowledgeError(_l("Deze samenvatting kan niet worden ingetrokken."))
    db.session.delete(summary)
    db.session.flush()
    _erase_fts()


def decide_summary(moderator, summary, *, approve, reason, now):
    """Publish a submitted summary, or reject it with a reason the owner sees."""
    if not moderator.has_role(Role.MODERATOR):
        raise KnowledgeError(_l("Alleen een moderator kan dit doen."))
    if summary.status != SummaryStatus.SUBMITTED:
        raise KnowledgeError(_l("Deze samenvatting wacht niet op een besluit."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise KnowledgeError(_l("Geef een reden; de gezinswerker ziet die."), "reason")
    summary.status = (SummaryStatus.PUBLISHED if approve else SummaryStatus.REJECTED).value
    summary.decided_at = now
    summary.decided_by_id = moderator.id
    summary.decision_reason = reason
    summary.published_at = now if approve else None
    db.session.flush()
    return summary


def waiting_for_review():
    """Return the submitted summaries, the one waiting longest first."""
    return db.session.scalars(
        sa.select(CaseSummary).where(CaseSummary.status == SummaryStatus.SUBMITTED)
        .order_by(CaseSummary.submitted_at, CaseSummary.id)
    ).all()


def count_waiting():
    return db.session.scalar(sa.select(sa.func.count(CaseSummary.id)).where(CaseSummary.status == SummaryStatus.SUBMITTED))


def _erase_fts():
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("INSERT INTO case_summary_fts(case_summary_fts) VALUES ('optimize')"))
    erasure.erase_on_commit()


def withdraw_unpublished(question_ids):
    """Delete every unpublished summary (draft, submitted, rejected) of these questions; return how many.

    For erasing a resident (`questions.owner.erase_resident`): what the owner
    has not published may still hold what the scrub missed, so it goes with
    the identity, erased on disk in the same transaction.
    """
    question_ids = list(question_ids)
    if not question_ids:
        return 0
    rows = db.session.scalars(sa.select(CaseSummary).where(
        CaseSummary.question_id.in_(question_ids), CaseSummary.status.in_([s.value for s in UNPUBLISHED]))).all()
    for row in rows:
        db.session.delete(row)
    if rows:
        db.session.flush()
        _erase_fts()
    return len(rows)


def redact_published(question_ids, redact):
    """Run `redact(text) -> (text, count)` over the published summaries of these questions; return the count.

    A published summary was scrubbed and approved; erasing the resident checks
    it once more while the identity can still be matched.
    """
    count = 0
    rows = db.session.scalars(sa.select(CaseSummary).where(
        CaseSummary.question_id.in_(list(question_ids)), CaseSummary.status == SummaryStatus.PUBLISHED)).all()
    for row in rows:
        for name in TEXT_FIELDS:
            new, n = redact(getattr(row, name))
            if n:
                setattr(row, name, new[:LIMITS[name]])
                count += n
    if count:
        db.session.flush()
        _erase_fts()
    return count


# --- finding ---------------------------------------------------------------------

SORTS = ("relevance", "newest")


# Counting every match of a common word costs more than the page itself: the count stops here
# (the page says "meer dan 1000"), as do the page numbers.
COUNT_CAP = 1000


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int

    @property
    def capped(self):
        return self.total > COUNT_CAP

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def _published():
    return CaseSummary.status == SummaryStatus.PUBLISHED


def find_summaries(*, text=None, area_id=None, band=None, sort="relevance", page=1, per_page=PER_PAGE):
    """Return a Page of published summaries matching the words, area and age band.

    Sorted by relevance (when there are words) or by publication date, newest first.
    `total` is counted up to COUNT_CAP + 1.
    """
    query = sa.select(CaseSummary).where(_published())
    count = sa.select(CaseSummary.id).where(_published())
    matches = search.ranked_matches(text) if text else None
    if matches is not None:
        query = query.join(matches, matches.c.id == CaseSummary.id)
        count = count.join(matches, matches.c.id == CaseSummary.id)
    if area_id:
        in_area = sa.exists().where(
            sa.text("case_summary_area.summary_id = case_summary.id"),
            sa.text("case_summary_area.expertise_area_id = :area").bindparams(area=int(area_id)),
        ).select_from(sa.table("case_summary_area"))
        query, count = query.where(in_area), count.where(in_area)
    if band:
        query, count = query.where(CaseSummary.age_band == band), count.where(CaseSummary.age_band == band)
    if matches is not None and sort == "relevance":
        query = query.order_by(matches.c.rank, CaseSummary.published_at.desc())
    else:
        query = query.order_by(CaseSummary.published_at.desc(), CaseSummary.id.desc())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(count.limit(COUNT_CAP + 1).subquery()))
    pages = max(1, -(-min(total, COUNT_CAP) // per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(
        query.options(selectinload(CaseSummary.areas)).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items, total, page, pages)


def similar_cases(user, *, title, situation, request="", limit=SIMILAR_CASES):
    """Return (published summaries, open questions of the user's team) like the question being written.

    Ranked on the server by any of the text's telling words (`search.ranked_matches`
    with any_word). The team's questions are those the user may see anyway.
    """
    text = " ".join(t for t in (title, situation, request) if t)
    matches = search.ranked_matches(text, any_word=True)
    if matches is None:
        return [], []
    cases = db.session.scalars(
        sa.select(CaseSummary).join(matches, matches.c.id == CaseSummary.id).where(_published())
        .order_by(matches.c.rank).limit(limit).options(selectinload(CaseSummary.areas))
    ).all()
    questions = []
    if user.team_id is not None:
        q_matches = search.ranked_matches(text, any_word=True, table="question")
        questions = db.session.scalars(
            sa.select(Question).join(q_matches, q_matches.c.id == Question.id).where(
                Question.team_id == user.team_id, Question.status.in_([Status.OPEN.value, Status.ADVISED.value]),
                visible_questions_filter(user), Question.owner_id != user.id,
            ).order_by(q_matches.c.rank).limit(SIMILAR_QUESTIONS)
        ).all()
    return cases, questions


def record_answer_found(user, summary, now):
    """Count "vraag niet gesteld, antwoord gevonden" for the user's team (never per person)."""
    if not summary.is_published:
        raise KnowledgeError(_l("Deze casus staat niet in de kennisbank."))
    db.session.add(AnswerFound(summary_id=summary.id, team_id=user.team_id, found_at=now))
    db.session.flush()


def answers_found(start, end, *, team_ids=None):
    """Return how many times an answer was found in the knowledge base in [start, end) (for insights)."""
    query = sa.select(sa.func.count(AnswerFound.id)).where(AnswerFound.found_at >= start, AnswerFound.found_at < end)
    if team_ids is not None:
        query = query.where(AnswerFound.team_id.in_(list(team_ids)))
    return db.session.scalar(query)


def area_choices():
    return db.session.scalars(sa.select(ExpertiseArea).where(ExpertiseArea.active.is_(True))
                              .order_by(ExpertiseArea.name)).all()


def band_choices():
    return [(key, label) for key, _lo, _hi, label in AGE_BANDS]
