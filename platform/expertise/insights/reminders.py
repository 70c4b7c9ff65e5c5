"""Reminders that keep questions moving, and the follow-up after closing (F8, F14).

`run_reminders(now)` is the one job (`flask insights run-reminders`, e.g. every 15
minutes from cron). It is idempotent: every action leaves a marker (an
`insights_reminder` row or an `insights_follow_up` row), and a question with a
marker is not acted on again, so a second run in the same minute sends nothing.

- **norm passed**: an open question without advice whose due moment
  (`advice_due_at`, from `Urgency.advice_working_days` and the working-day
  calendar) has passed: every active coordinator (the triage workers, in the
  triage model too) is notified once.
- **triage escalation**: a question that waits in the triage queue (its route is
  `triage`) for longer than the triage norm — half its advice norm in working hours,
  so 24 working hours for a normal and 12 for an urgent question, leaving the other
  half for the advice — escalates once: its triage workers and every other active
  coordinator hear it (`triage_escalated`).
- **assignment time-out**: an assignment not accepted within one working day goes
  back to the triage worker who made it (`consultations.service.expire_assignments`).
- **close reminder**: a question advised `INSIGHTS_CLOSE_REMINDER_DAYS` (10) days
  ago and still not closed: the owner is reminded once to close it with feedback.
- **follow-up**: `INSIGHTS_FOLLOW_UP_WEEKS` (8) weeks after closing, the owner is
  asked once "hoe is het verder gegaan?". Only questions closed within the four
  weeks before that moment are asked, so the first run on an old database does not
  flood the owners with questions about cases long gone.
  The answer (situation improved / unchanged / worse; referral to specialised care
  avoided?) is shown to the owner and to the experts who advised, and feeds the
  dashboard's "verwijzing voorkomen" rate.

Notifications go through `expertise.realtime.notify` (fixed texts, question numbers
only); services only flush, the command commits once.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import Role, User, UserRole
from ..core import workdays
from ..extensions import db
from ..questions.models import Post, PostKind, PostStatus, Question, Status
from ..realtime import NotificationKind, notify
from .models import FollowUp, Referral, Reminder, ReminderKind, Situation

FOLLOW_UP_WINDOW = timedelta(weeks=4)


class FollowUpError(Exception):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def _visible():
    return sa.and_(Question.published_at.is_not(None), Question.moderation_state.is_(None))


def _unmarked(kind):
    return ~sa.exists().where(Reminder.question_id == Question.id, Reminder.kind == kind.value)


def _coordinators():
    return db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value, User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.id)
    ).all()


def notify_norm_passed(now):
    """Tell the coordinators once about each open question past its norm; return the questions."""
    questions = db.session.scalars(
        sa.select(Question).where(_visible(), Question.status == Status.OPEN.value,
                                  Question.advice_due_at <= now, _unmarked(ReminderKind.NORM_PASSED))
        .order_by(Question.advice_due_at, Question.id)
    ).all()
    coordinators = _coordinators() if questions else []
    for question in questions:
        db.session.add(Reminder(question_id=question.id, kind=ReminderKind.NORM_PASSED.value, sent_at=now))
        for person in coordinators:
            notify(person, NotificationKind.NORM_PASSED, question_id=question.id, now=now)
    db.session.flush()
    return questions


def escalate_triage(now):
    """Escalate once each question in the triage route waiting past half its advice norm; return them."""
    from ..consultations import service as consultations

    waiting = [q for q in consultations.triage_queue() if consultations.effective_route(q) == "triage"]
    marked = set(db.session.scalars(
        sa.select(Reminder.question_id).where(Reminder.kind == ReminderKind.TRIAGE_ESCALATED.value,
                                              Reminder.question_id.in_([q.id for q in waiting]))
    )) if waiting else set()
    late = [q for q in waiting if q.id not in marked
            and workdays.working_hours(q.published_at, now) >= q.urgency_enum.advice_norm_hours / 2]
    coordinators = _coordinators() if late else []
    for question in late:
        db.session.add(Reminder(question_id=question.id, kind=ReminderKind.TRIAGE_ESCALATED.value, sent_at=now))
        for person in coordinators:
            notify(person, NotificationKind.TRIAGE_ESCALATED, question_id=question.id, now=now)
    db.session.flush()
    return late


def remind_to_close(now):
    """Remind each owner once of a question advised N days ago and still not closed."""
    days = current_app.config.get("INSIGHTS_CLOSE_REMINDER_DAYS", 10)
    questions = db.session.scalars(
        sa.select(Question).where(_visible(), Question.status == Status.ADVISED.value,
                                  Question.first_advice_at <= now - timedelta(days=days),
                                  _unmarked(ReminderKind.CLOSE))
        .order_by(Question.id)
    ).all()
    for question in questions:
        db.session.add(Reminder(question_id=question.id, kind=ReminderKind.CLOSE.value, sent_at=now))
        notify(question.owner, NotificationKind.CLOSE_REMINDER, question_id=question.id, now=now)
    db.session.flush()
    return questions


def ask_follow_up(now):
    """Ask each owner once, some weeks after closing, how it went on."""
    weeks = current_app.config.get("INSIGHTS_FOLLOW_UP_WEEKS", 8)
    due = now - timedelta(weeks=weeks)
    questions = db.session.scalars(
        sa.select(Question).where(
            _visible(), Question.status == Status.CLOSED.value,
            Question.closed_at <= due, Question.closed_at > due - FOLLOW_UP_WINDOW,
            ~sa.exists().where(FollowUp.question_id == Question.id),
        ).order_by(Question.id)
    ).all()
    for question in questions:
        db.session.add(FollowUp(question_id=question.id, asked_at=now))
        notify(question.owner, NotificationKind.FOLLOW_UP_REQUEST, question_id=question.id, now=now)
    db.session.flush()
    return questions


def run_reminders(now):
    """Run the jobs; return {job: number of questions (or assignments) acted on}."""
    from ..consultations.service import expire_assignments

    return {
        "assignments_expired": len(expire_assignments(now)),
        "triage_escalated": len(escalate_triage(now)),
        "norm_passed": len(notify_norm_passed(now)),
        "close_reminders": len(remind_to_close(now)),
        "follow_ups": len(ask_follow_up(now)),
    }


# --- the follow-up answer -----------------------------------------------------------------------


def follow_up_of(question_id):
    return db.session.scalar(sa.select(FollowUp).where(FollowUp.question_id == question_id))


def advisers_of(question):
    """The experts whose published advice is in the question's thread."""
    return db.session.scalars(
        sa.select(User).where(User.id.in_(
            sa.select(Post.author_id).where(Post.question_id == question.id, Post.kind == PostKind.ADVICE.value,
                                            Post.status == PostStatus.PUBLISHED.value)
        )).order_by(User.id)
    ).all()


def answer_follow_up(actor, question, follow_up, *, situation, referral, now):
    """Record the owner's answer once and tell the experts who advised."""
    if question.owner_id != actor.id:
        raise FollowUpError(_l("Alleen de eigenaar van de vraag kan dit doen."))
    if follow_up.is_answered:
        raise FollowUpError(_l("Je hebt deze vraag al beantwoord."))
    follow_up.situation = Situation(situation).value
    follow_up.referral = Referral(referral).value
    follow_up.answered_at = now
    for expert in advisers_of(question):
        notify(expert, NotificationKind.FOLLOW_UP_ANSWERED, question_id=question.id, actor=actor, now=now)
    db.session.flush()
    return follow_up


def may_see_follow_up(user, question):
    """The owner and the experts who advised see the answer."""
    if question.owner_id == user.id:
        return True
    return user.has_role(Role.EXPERT) and any(expert.id == user.id for expert in advisers_of(question))
