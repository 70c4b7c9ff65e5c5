"""Consultation rules: series and meetings, the agenda, attendance, conclusions, hours, triage.

Services never touch the request; they take `now` and only flush, the caller
commits once. Broken rules raise ConsultationError with a Dutch message for
the person (never with user content in it). The agenda and the calendar name
a question by number, title, areas and age only: no resident identity ever
enters this area.
"""
import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import ExpertiseArea, Organisation, Role, Team, User, UserRole, user_expertise_area
from ..core import workdays
from ..core.time import AMSTERDAM
from ..extensions import db
from ..questions import guard
from ..questions.models import Post, PostKind, PostStatus, Question, QuestionEvent, Status, Urgency
from ..questions.service import can_see_question, place_post
from ..realtime import NotificationKind, notify, publish_on_commit
from .models import (
    LIVE_ASSIGNMENT,
    AgendaItem,
    Assignment,
    AssignmentStatus,
    Attendance,
    CalendarFeed,
    Consultation,
    ConsultationSkip,
    DeclineReason,
    ItemSource,
    ItemStatus,
    Meeting,
    MeetingStatus,
    Recurrence,
    consultation_team,
)

COLLABORATION_MODELS = ("network", "triage", "team")
MIN_DURATION, MAX_DURATION = 15, 8 * 60
MIN_SLOT, MAX_SLOT = 5, 120
MAX_CLOSES_HOURS = 14 * 24
MAX_ATTENDANCE_MINUTES = 12 * 60


class EventKind:
    """Question-thread events written by this area (QuestionEvent.kind, at most 30 characters)."""

    AGENDA_NOMINATED = "agenda_nominated"
    AGENDA_ADDED = "agenda_added"
    AGENDA_ROLLED_OVER = "agenda_rolled_over"
    TRIAGE_SHARPEN = "triage_sharpen"
    TRIAGE_ROUTED = "triage_routed"
    TRIAGE_SCHEDULED = "triage_scheduled"


# Decisions that take a question out of the triage queue for good (routing to experts takes it
# out only while an assignment is open or accepted: see `triage_queue`).
TRIAGE_DONE_WITHOUT_ROUTING = (EventKind.TRIAGE_SCHEDULED, EventKind.AGENDA_ADDED, EventKind.AGENDA_NOMINATED)


class ConsultationError(Exception):
    """A rule of the consultations area was broken; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def _require_coordinator(actor):
    if not actor.has_role(Role.COORDINATOR):
        raise ConsultationError(_l("Alleen een coördinator kan dit doen."))


# --- time ------------------------------------------------------------------------


def local_today(now):
    return now.astimezone(AMSTERDAM).date()


def meeting_start(series, day):
    """Return the UTC instant at which `series` starts on local date `day`."""
    return datetime.combine(day, series.start_time, tzinfo=AMSTERDAM).astimezone(timezone.utc)


def _first_on_or_after(day, weekday):
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def meets_on(series, day):
    """Return True when the series' pattern has a meeting on `day` (skips not counted)."""
    if day < series.starts_on or day.weekday() != series.weekday:
        return False
    if series.recurrence == Recurrence.BIWEEKLY:
        return (day - series.starts_on).days % 14 == 0
    return True


def _skip_dates(series):
    return {skip.skip_date for skip in series.skips}


def _set_times(meeting, series):
    meeting.starts_at = meeting_start(series, meeting.meeting_date)
    meeting.ends_at = meeting.starts_at + timedelta(minutes=series.duration_minutes)


def _bump(meeting, now):
    """Record a change that calendars must pick up (iCalendar SEQUENCE)."""
    meeting.sequence = (meeting.sequence or 0) + 1
    meeting.updated_at = now


def agenda_closes_at(meeting):
    return meeting.starts_at - timedelta(hours=meeting.consultation.agenda_closes_hours)


def agenda_is_open(meeting, now):
    """Family workers may nominate until the agenda closes, a set time before the meeting."""
    return meeting.status == MeetingStatus.PLANNED and now < agenda_closes_at(meeting)


# --- series ----------------------------------------------------------------------


def _validate_series(*, name, weekday, start_time, duration_minutes, place, video_url, experts,
                     recurrence, agenda_closes_hours):
    if not (name or "").strip():
        raise ConsultationError(_l("Geef het overleg een naam."), "name")
    if weekday not in range(7):
        raise ConsultationError(_l("Kies een dag van de week."), "weekday")
    if not isinstance(start_time, time):
        raise ConsultationError(_l("Vul een begintijd in."), "start_time")
    if duration_minutes is None or not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise ConsultationError(_l("Een overleg duurt tussen 15 minuten en 8 uur."), "duration_minutes")
    if not (place or "").strip() and not (video_url or "").strip():
        raise ConsultationError(_l("Vul een plaats of een videolink in."), "place")
    if (video_url or "").strip() and not video_url.strip().startswith("https://"):
        raise ConsultationError(_l("Een videolink begint met https://."), "video_url")
    Recurrence(recurrence)
    if agenda_closes_hours is None or not 0 <= agenda_closes_hours <= MAX_CLOSES_HOURS:
        raise ConsultationError(_l("De agenda sluit tussen 0 en 336 uur voor het overleg."), "agenda_closes_hours")
    for expert in experts:
        if not expert.has_role(Role.EXPERT):
            raise ConsultationError(_l("Vaste deelnemers zijn deskundigen."), "experts")


def create_series(actor, *, name, weekday, start_time, duration_minutes, place="", video_url="",
                  teams=(), experts=(), recurrence=Recurrence.WEEKLY, agenda_closes_hours=24,
                  starts_on=None, now):
    """Set up a recurring consultation and plan its meetings for the coming weeks."""
    _require_coordinator(actor)
    _validate_series(name=name, weekday=weekday, start_time=start_time, duration_minutes=duration_minutes,
                     place=place, video_url=video_url, experts=experts, recurrence=recurrence,
                     agenda_closes_hours=agenda_closes_hours)
    first = _first_on_or_after(starts_on or local_today(now), weekday)
    series = Consultation(
        name=name.strip(), coordinator=actor, weekday=weekday, start_time=start_time.replace(second=0, microsecond=0),
        duration_minutes=duration_minutes, place=(place or "").strip(), video_url=(video_url or "").strip(),
        teams=list(teams), experts=list(experts), recurrence=Recurrence(recurrence).value, starts_on=first,
        agenda_closes_hours=agenda_closes_hours, created_at=now, updated_at=now,
    )
    db.session.add(series)
    db.session.flush()
    ensure_meetings(series, now)
    for expert in series.experts:
        notify(expert, NotificationKind.CONSULTATION_UPDATE, actor=actor, now=now)
    return series


def update_series(actor, series, *, name, weekday, start_time, duration_minutes, place="", video_url="",
                  teams=(), experts=(), recurrence=Recurrence.WEEKLY, agenda_closes_hours=24, now):
    """Change a series; a new day or time moves every future meeting (SEQUENCE goes up).

    A changed weekday moves each planned future meeting within its own week;
    after a change of recurrence, planned future meetings that no longer fit
    the pattern and have nothing on the agenda are cancelled.
    """
    _require_coordinator(actor)
    _validate_series(name=name, weekday=weekday, start_time=start_time, duration_minutes=duration_minutes,
                     place=place, video_url=video_url, experts=experts, recurrence=recurrence,
                     agenda_closes_hours=agenda_closes_hours)
    start_time = start_time.replace(second=0, microsecond=0)
    shift = weekday - series.weekday
    moved = (shift != 0 or start_time != series.start_time or duration_minutes != series.duration_minutes)
    where_changed = (place or "").strip() != series.place or (video_url or "").strip() != series.video_url
    new_experts = [e for e in experts if e not in series.experts]
    series.name = name.strip()
    series.weekday = weekday
    series.start_time = start_time
    series.duration_minutes = duration_minutes
    series.place = (place or "").strip()
    series.video_url = (video_url or "").strip()
    series.teams = list(teams)
    series.experts = list(experts)
    series.recurrence = Recurrence(recurrence).value
    series.agenda_closes_hours = agenda_closes_hours
    series.starts_on = series.starts_on + timedelta(days=shift)
    series.updated_at = now
    future = [m for m in series.meetings if m.status == MeetingStatus.PLANNED and m.starts_at > now]
    # Move in an order that never puts two meetings on one date mid-way (unique date).
    for meeting in sorted(future, key=lambda m: m.meeting_date, reverse=shift > 0):
        changed = False
        if shift:
            meeting.meeting_date = meeting.meeting_date + timedelta(days=shift)
            db.session.flush()
        if moved:
            _set_times(meeting, series)
            changed = True
        if not meets_on(series, meeting.meeting_date) and not meeting.items:
            meeting.status = MeetingStatus.CANCELLED.value
            changed = True
        if changed or where_changed:
            _bump(meeting, now)
            for person in participants(meeting):
                notify(person, NotificationKind.CONSULTATION_UPDATE, actor=actor, now=now)
    db.session.flush()
    ensure_meetings(series, now)
    for expert in new_experts:
        notify(expert, NotificationKind.CONSULTATION_UPDATE, actor=actor, now=now)
    return series


def skip_date(actor, series, day, *, now):
    """Let the series not meet on `day` (a holiday); a planned meeting then is cancelled.

    Its agenda rolls over to the next meeting; everyone taking part hears of it
    and the calendars show the meeting as cancelled.
    """
    _require_coordinator(actor)
    if day is None or day < local_today(now):
        raise ConsultationError(_l("Kies een datum in de toekomst."), "skip_date")
    if not meets_on(series, day):
        raise ConsultationError(_l("Op die datum is er geen overleg."), "skip_date")
    if day in _skip_dates(series):
        raise ConsultationError(_l("Die datum wordt al overgeslagen."), "skip_date")
    series.skips.append(ConsultationSkip(skip_date=day))
    meeting = db.session.scalar(sa.select(Meeting).filter_by(consultation_id=series.id, meeting_date=day))
    if meeting is not None and meeting.status == MeetingStatus.PLANNED:
        people = participants(meeting)
        meeting.status = MeetingStatus.CANCELLED.value
        _bump(meeting, now)
        db.session.flush()
        _roll_over(actor, meeting, now)
        for person in people:
            notify(person, NotificationKind.CONSULTATION_UPDATE, actor=actor, now=now)
    db.session.flush()
    return series


def ensure_meetings(series, now, weeks=None):
    """Create the meetings of the coming weeks that do not exist yet; return the future ones."""
    weeks = weeks or current_app.config.get("CONSULTATION_WEEKS_AHEAD", 8)
    if series.active:
        today = local_today(now)
        existing = set(db.session.scalars(
            sa.select(Meeting.meeting_date).where(Meeting.consultation_id == series.id, Meeting.meeting_date >= today)
        ))
        skips = _skip_dates(series)
        day = _first_on_or_after(max(today, series.starts_on), series.weekday)
        while day <= today + timedelta(weeks=weeks):
            if meets_on(series, day) and day not in existing and day not in skips:
                meeting = Meeting(consultation=series, meeting_date=day, created_at=now, updated_at=now,
                                  status=MeetingStatus.PLANNED.value)
                _set_times(meeting, series)
                db.session.add(meeting)
            day += timedelta(days=7)
        db.session.flush()
    return db.session.scalars(
        sa.select(Meeting).where(Meeting.consultation_id == series.id, Meeting.ends_at > now)
        .order_by(Meeting.starts_at)
    ).all()


def all_series():
    return db.session.scalars(sa.select(Consultation).order_by(Consultation.name)).all()


def series_for_team(team_id):
    """Return the active series serving a team."""
    if team_id is None:
        return []
    return db.session.scalars(
        sa.select(Consultation)
        .join(consultation_team, consultation_team.c.consultation_id == Consultation.id)
        .where(consultation_team.c.team_id == team_id, Consultation.active.is_(True))
        .order_by(Consultation.name)
    ).all()


def next_meeting(series, now, *, after=None, open_only=False):
    """Return the first planned meeting (after `after`, with an open agenda if asked), or None."""
    for meeting in ensure_meetings(series, now):
        if meeting.status != MeetingStatus.PLANNED:
            continue
        if after is not None and meeting.starts_at <= after.starts_at:
            continue
        if open_only and not agenda_is_open(meeting, now):
            continue
        return meeting
    return None


def meeting_choices(question, now, *, open_only):
    """Return the next meeting of every series serving the question's team."""
    found = []
    for series in series_for_team(question.team_id):
        meeting = next_meeting(series, now, open_only=open_only)
        if meeting is not None:
            found.append(meeting)
    return found


# --- who takes part -----------------------------------------------------------------


def participants(meeting):
    """Return everyone taking part: the coordinator, the standing experts, the experts
    invited per item and the owners of the questions on the agenda (active accounts)."""
    people = {}
    series = meeting.consultation
    for person in [series.coordinator, *series.experts]:
        if person is not None:
            people[person.id] = person
    for item in meeting.items:
        for person in [*item.experts, item.question.owner]:
            people[person.id] = person
    return sorted((p for p in people.values() if p.is_active), key=lambda p: p.name)


def is_participant(user, meeting):
    return any(p.id == user.id for p in participants(meeting))


def can_see_meeting(user, meeting):
    """Coordinators see every meeting; experts and family workers those they take part in."""
    return user.has_role(Role.COORDINATOR) or is_participant(user, meeting)


def meetings_of(user, now, *, past_days=30):
    """Return the meetings `user` may see from `past_days` ago on, generating coming ones."""
    series_list = all_series()
    for series in series_list:
        ensure_meetings(series, now)
    meetings = db.session.scalars(
        sa.select(Meeting).where(Meeting.starts_at >= now - timedelta(days=past_days)).order_by(Meeting.starts_at)
    ).all()
    if user.has_role(Role.COORDINATOR):
        return meetings
    return [m for m in meetings if is_participant(user, m)]


def item_visible(user, item):
    """Participants see an item's title only when they may see its question."""
    return can_see_question(user, item.question)


def item_times(meeting):
    """Return [(item, start, end)] with each slot following the previous one."""
    start, result = meeting.starts_at, []
    for item in meeting.items:
        end = start + timedelta(minutes=item.slot_minutes)
        result.append((item, start, end))
        start = end
    return result


# --- the agenda ----------------------------------------------------------------------


def _event(question, actor, kind, now, target=None):
    event = QuestionEvent(question=question, actor=actor, kind=kind, target_user=target, created_at=now)
    db.session.add(event)
    return event


def _add_item(actor, question, meeting, *, source, note, known=None, pii_confirmed=False, now):
    """Put the question on the meeting's agenda; the note passes the personal-data guard first.

    Every participant reads the note on the meeting page: the resident's
    identity (`known`, given for the question's owner) and a BSN block it,
    other personal data warns (guard.PersonalDataBlocked / PersonalDataWarning).
    """
    guard.check_texts({"note": note or ""}, known, confirmed=pii_confirmed)
    if meeting is None or meeting.status != MeetingStatus.PLANNED or meeting.ends_at <= now:
        raise ConsultationError(_l("Kies een gepland overleg."), "meeting")
    if question.status not in (Status.OPEN, Status.ADVISED):
        raise ConsultationError(_l("Alleen een lopende vraag kan op de agenda."))
    if any(i.question_id == question.id and i.status == ItemStatus.PLANNED for i in meeting.items):
        raise ConsultationError(_l("Deze vraag staat al op de agenda van dit overleg."), "meeting")
    position = max((i.position for i in meeting.items), default=0) + 1
    item = AgendaItem(
        meeting=meeting, question=question, added_by=actor, source=ItemSource(source).value,
        position=position, slot_minutes=current_app.config.get("CONSULTATION_SLOT_MINUTES", 15),
        discussion_note=(note or "").strip(), status=ItemStatus.PLANNED.value, created_at=now,
    )
    db.session.add(item)
    _bump(meeting, now)
    db.session.flush()
    return item


def nominate_question(actor, question, meeting, *, note, known=None, pii_confirmed=False, now):
    """Let the family worker who owns a question put it on the next meeting of their team.

    Only while the agenda is open; they say what they want to discuss.
    """
    if question.owner_id != actor.id or not actor.has_role(Role.FAMILY_WORKER):
        raise ConsultationError(_l("Alleen de eigenaar van de vraag kan hem aanmelden."))
    if meeting is None or meeting.consultation not in series_for_team(question.team_id):
        raise ConsultationError(_l("Kies een overleg van je eigen buurtteam."), "meeting")
    if not agenda_is_open(meeting, now):
        raise ConsultationError(_l("De agenda van dit overleg is gesloten. Kies het volgende overleg."), "meeting")
    if not (note or "").strip():
        raise ConsultationError(_l("Schrijf op wat je wilt bespreken."), "note")
    item = _add_item(actor, question, meeting, source=ItemSource.NOMINATION, note=note, known=known,
                     pii_confirmed=pii_confirmed, now=now)
    _event(question, actor, EventKind.AGENDA_NOMINATED, now)
    if meeting.consultation.coordinator is not None:
        notify(meeting.consultation.coordinator, NotificationKind.CONSULTATION_UPDATE,
               question_id=question.id, actor=actor, now=now)
    return item


def add_to_agenda(actor, question, meeting, *, note="", known=None, pii_confirmed=False, now):
    """Let a coordinator put an overdue or complex question on an agenda (also after it closed)."""
    _require_coordinator(actor)
    item = _add_item(actor, question, meeting, source=ItemSource.COORDINATOR, note=note, known=known,
                     pii_confirmed=pii_confirmed, now=now)
    _event(question, actor, EventKind.AGENDA_ADDED, now)
    notify(question.owner, NotificationKind.CONSULTATION_UPDATE, question_id=question.id, actor=actor, now=now)
    return item


def arrange_agenda(actor, meeting, arrangement, *, now):
    """Order the agenda and give each item its time slot.

    `arrangement` maps item ids to (position, slot minutes); items are
    renumbered 1..n in the order of the given positions.
    """
    _require_coordinator(actor)
    if meeting.status != MeetingStatus.PLANNED:
        raise ConsultationError(_l("De agenda van dit overleg kan niet meer worden gewijzigd."))
    items = {item.id: item for item in meeting.items}
    if set(arrangement) - set(items):
        raise ConsultationError(_l("Dat agendapunt hoort niet bij dit overleg."))
    for item_id, (position, minutes) in arrangement.items():
        if minutes is None or not MIN_SLOT <= minutes <= MAX_SLOT:
            raise ConsultationError(_l("Een agendapunt duurt tussen 5 en 120 minuten."))
        items[item_id].slot_minutes = minutes
    ordered = sorted(items.values(), key=lambda i: (arrangement.get(i.id, (i.position, 0))[0] or 0, i.position, i.id))
    for number, item in enumerate(ordered, start=1):
        item.position = number
    _bump(meeting, now)
    db.session.flush()
    if sum(i.slot_minutes for i in ordered) > meeting.consultation.duration_minutes:
        return False  # the caller warns: the agenda runs over the meeting's time
    return True


def invite_experts_by_area(actor, item, area, *, now):
    """Invite the active experts of an expertise area to one agenda item; return who was added."""
    _require_coordinator(actor)
    if item.meeting.status != MeetingStatus.PLANNED:
        raise ConsultationError(_l("Dit overleg is al geweest."))
    if area is None:
        raise ConsultationError(_l("Kies een expertisegebied."), "area")
    candidates = db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(user_expertise_area, user_expertise_area.c.user_id == User.id)
        .where(user_expertise_area.c.expertise_area_id == area.id, UserRole.role == Role.EXPERT.value,
               User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.name)
    ).all()
    present = {p.id for p in participants(item.meeting)}
    added = [person for person in candidates if person.id not in present]
    if not added:
        raise ConsultationError(_l("Alle deskundigen van dit gebied doen al mee."), "area")
    item.experts = list(item.experts) + added
    _bump(item.meeting, now)
    for person in added:
        notify(person, NotificationKind.CONSULTATION_UPDATE, question_id=item.question_id, actor=actor, now=now)
    db.session.flush()
    return added


def remove_item(actor, item, *, now):
    """Take a not yet discussed item off the agenda."""
    _require_coordinator(actor)
    if item.status != ItemStatus.PLANNED or item.meeting.status != MeetingStatus.PLANNED:
        raise ConsultationError(_l("Dit agendapunt kan niet meer van de agenda."))
    meeting = item.meeting
    meeting.items.remove(item)
    db.session.delete(item)
    _bump(meeting, now)
    db.session.flush()


# --- during and after the meeting ---------------------------------------------------------


def record_attendance(actor, meeting, entries, *, now):
    """Record who took part and for how many minutes; `entries` is [(user, present, minutes)].

    The expert's organisation is kept as it was, so the hours overview stays
    right after someone changes organisation.
    """
    _require_coordinator(actor)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConsultationError(_l("Dit overleg is vervallen."))
    if meeting.starts_at > now + timedelta(hours=12):
        raise ConsultationError(_l("Aanwezigheid leg je vast op de dag van het overleg."))
    rows = {row.user_id: row for row in meeting.attendance}
    for user, present, minutes in entries:
        minutes = minutes or 0
        if not 0 <= minutes <= MAX_ATTENDANCE_MINUTES:
            raise ConsultationError(_l("Vul per persoon tussen 0 en 720 minuten in."))
        row = rows.get(user.id)
        if row is None:
            row = Attendance(meeting=meeting, user=user)
            db.session.add(row)
        row.present = bool(present)
        row.minutes = minutes if present else 0
        row.organisation_id = user.organisation_id if user.has_role(Role.EXPERT) else None
    meeting.updated_at = now
    db.session.flush()


def experts_present(meeting):
    return [row.user for row in meeting.attendance if row.present and row.user.has_role(Role.EXPERT)]


def dutch_date(day):
    """Return a date as Dutch text without the year: 12 mei."""
    return format_date(day, "d MMMM", locale="nl")


def _thread_post(author, question, body, *, kind, screened_text=None, now):
    """Put a post in the coordinator's name through the questions area's one posting path."""
    return place_post(author, question, body=body, kind=kind, role=Role.COORDINATOR,
                      screened_text=screened_text, now=now)


def conclusion_text(item, conclusion, experts):
    """Return the Markdown of the advice post: heading with the Dutch date, text, who was there."""
    with force_locale("nl"):
        heading = _("Advies uit het wekelijks overleg van %(date)s", date=dutch_date(item.meeting.meeting_date))
        names = ", ".join(
            f"{e.name} ({e.organisation.name})" if e.organisation else e.name for e in experts
        )
        present = _("Aanwezige deskundigen: %(names)s.", names=names)
        series = _("Overleg: %(name)s.", name=item.meeting.consultation.name)
    return f"**{heading}**\n\n{conclusion.strip()}\n\n*{present} {series}*"


def record_conclusion(actor, item, *, conclusion, now):
    """Write the conclusion of an item into the question's thread as advice; tell the owner.

    The post is the coordinator's: a real, accountable person wrote it down,
    and the thread never shows a made-up account. It names the experts who
    were present, from the attendance, so the advice is theirs.
    """
    _require_coordinator(actor)
    meeting = item.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise ConsultationError(_l("Dit overleg is vervallen."))
    if item.status != ItemStatus.PLANNED:
        raise ConsultationError(_l("Voor dit agendapunt is al een conclusie vastgelegd."))
    if not (conclusion or "").strip():
        raise ConsultationError(_l("Schrijf de conclusie of het advies op."), "conclusion")
    question = item.question
    if question.status not in (Status.OPEN, Status.ADVISED):
        raise ConsultationError(_l("De vraag is afgesloten; heropenen kan alleen de eigenaar."))
    experts = experts_present(meeting)
    if not experts:
        raise ConsultationError(_l("Leg eerst vast welke deskundigen aanwezig waren."))
    # A BSN blocks; other personal data holds the advice post for a moderator (place_post).
    guard.check_texts({"conclusion": conclusion}, None, policy=guard.HOLD)
    # The checks read the coordinator's words, not the platform's own heading and list of experts.
    post = _thread_post(actor, question, conclusion_text(item, conclusion, experts), kind=PostKind.ADVICE,
                        screened_text=conclusion.strip(), now=now)
    item.conclusion = conclusion.strip()
    item.conclusion_post_id = post.id
    item.status = ItemStatus.DISCUSSED.value
    db.session.flush()
    return post


def _roll_over(actor, meeting, now):
    """Move the items not discussed to the next meeting of the series, first on its agenda."""
    left = [i for i in meeting.items if i.status == ItemStatus.PLANNED]
    if not left:
        return []
    target = next_meeting(meeting.consultation, now, after=meeting)
    if target is None:
        raise ConsultationError(_l("Er is geen volgend overleg om de agendapunten naar door te schuiven."))
    for existing in target.items:
        existing.position += len(left)
    moved = []
    for number, old in enumerate(left, start=1):
        new = AgendaItem(
            meeting=target, question=old.question, added_by=actor, source=ItemSource.ROLLOVER.value,
            position=number, slot_minutes=old.slot_minutes, discussion_note=old.discussion_note,
            status=ItemStatus.PLANNED.value, experts=list(old.experts), rolled_over_from_id=old.id,
            created_at=now,
        )
        db.session.add(new)
        old.status = ItemStatus.ROLLED_OVER.value
        _event(old.question, actor, EventKind.AGENDA_ROLLED_OVER, now)
        notify(old.question.owner, NotificationKind.CONSULTATION_UPDATE, question_id=old.question_id,
               actor=actor, now=now)
        moved.append(new)
    _bump(target, now)
    db.session.flush()
    return moved


def close_meeting(actor, meeting, *, now):
    """Mark a meeting as held; items not discussed roll over to the next meeting."""
    _require_coordinator(actor)
    if meeting.status != MeetingStatus.PLANNED:
        raise ConsultationError(_l("Dit overleg is al afgerond of vervallen."))
    if meeting.starts_at > now:
        raise ConsultationError(_l("Een overleg rond je af nadat het begonnen is."))
    moved = _roll_over(actor, meeting, now)
    meeting.status = MeetingStatus.HELD.value
    meeting.held_at = now
    meeting.updated_at = now
    db.session.flush()
    return moved


# --- expert hours --------------------------------------------------------------------


@dataclass
class ExpertHours:
    user: object
    organisation: object
    minutes: int = 0
    advices: int = 0


@dataclass
class OrganisationHours:
    organisation: object
    minutes: int = 0
    advices: int = 0
    experts: list = field(default_factory=list)

    @property
    def budget(self):
        return self.organisation.monthly_budget_minutes

    @property
    def over_budget(self):
        return self.minutes > self.budget


@dataclass
class HoursReport:
    year: int
    month: int
    experts: list
    organisations: list


def month_bounds(year, month):
    """Return the first local day of the month and of the next month."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following


def expert_hours(year, month):
    """Return per expert and per organisation the consultation minutes and advices of a month.

    Minutes come from the attendance of meetings held on a local date in the
    month; advices are published advice posts by experts in that month
    (Amsterdam time), each counted for the organisation named on the post.
    """
    first, following = month_bounds(year, month)
    start = datetime.combine(first, time(0), tzinfo=AMSTERDAM)
    end = datetime.combine(following, time(0), tzinfo=AMSTERDAM)
    rows = {}
    minutes = db.session.execute(
        sa.select(Attendance.user_id, Attendance.organisation_id, sa.func.sum(Attendance.minutes))
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .where(Meeting.meeting_date >= first, Meeting.meeting_date < following,
               Meeting.status != MeetingStatus.CANCELLED, Attendance.present.is_(True),
               Attendance.organisation_id.is_not(None))
        .group_by(Attendance.user_id, Attendance.organisation_id)
    ).all()
    for user_id, organisation_id, total in minutes:
        rows.setdefault((user_id, organisation_id), [0, 0])[0] += int(total or 0)
    advices = db.session.execute(
        sa.select(Post.author_id, Post.organisation_id, sa.func.count(Post.id))
        .where(Post.kind == PostKind.ADVICE.value, Post.status == PostStatus.PUBLISHED.value,
               Post.author_role == Role.EXPERT.value, Post.organisation_id.is_not(None),
               Post.created_at >= start, Post.created_at < end)
        .group_by(Post.author_id, Post.organisation_id)
    ).all()
    for user_id, organisation_id, count in advices:
        rows.setdefault((user_id, organisation_id), [0, 0])[1] += int(count)
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({k[0] for k in rows})))}
    organisations = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_({k[1] for k in rows})))}
    experts = [
        ExpertHours(users[user_id], organisations[org_id], total, count)
        for (user_id, org_id), (total, count) in rows.items()
    ]
    experts.sort(key=lambda e: (e.organisation.name, e.user.name))
    per_org = {}
    for entry in experts:
        org = per_org.setdefault(entry.organisation.id, OrganisationHours(entry.organisation))
        org.minutes += entry.minutes
        org.advices += entry.advices
        org.experts.append(entry)
    return HoursReport(year, month, experts, sorted(per_org.values(), key=lambda o: o.organisation.name))


def _cell(value):
    """Keep spreadsheet programs from reading a cell as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def hours_csv(report):
    """Return the month's hours as CSV (semicolons, as Dutch spreadsheet programs expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["maand", "organisatie", "deskundige", "minuten_overleg", "uren_overleg", "adviezen",
                     "budget_minuten_organisatie", "boven_budget"])
    month = f"{report.year:04d}-{report.month:02d}"
    over = {o.organisation.id: o.over_budget for o in report.organisations}
    for entry in report.experts:
        writer.writerow([
            month, _cell(entry.organisation.name), _cell(entry.user.name), entry.minutes,
            f"{entry.minutes / 60:.2f}".replace(".", ","), entry.advices,
            entry.organisation.monthly_budget_minutes, "ja" if over[entry.organisation.id] else "nee",
        ])
    return out.getvalue()


# --- calendar feeds and .ics -----------------------------------------------------------------


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(user, *, now):
    """Give `user` a new secret calendar feed token (the old one stops working); return the token.

    Only its SHA-256 is stored; the token is shown once.
    """
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=_token_hash(token), created_at=now))
    db.session.flush()
    return token


def revoke_feed(user):
    """Stop the user's calendar feed."""
    db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.flush()


def feed_of(user):
    return db.session.scalar(sa.select(CalendarFeed).filter_by(user_id=user.id))


def feed_user(token, *, now):
    """Return the active user owning a feed token, or None for unknown, revoked or inactive."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).filter_by(token_hash=_token_hash(token)))
    if feed is None or not feed.user.is_active:
        return None
    feed.last_used_at = now
    return feed.user


def _local_time(dt):
    return dt.astimezone(AMSTERDAM).strftime("%H:%M")


def _description(meeting, user):
    with force_locale("nl"):
        lines = []
        if meeting.status == MeetingStatus.CANCELLED:
            lines.append(_("Dit overleg vervalt."))
        times = item_times(meeting)
        if times:
            lines.append(_("Agenda:"))
        for number, (item, start, end) in enumerate(times, start=1):
            slot = f"{_local_time(start)}–{_local_time(end)}"
            if item_visible(user, item):
                lines.append(f"{number}. {slot} #{item.question_id} {item.question.title}")
            else:
                lines.append(f"{number}. {slot} " + _("agendapunt"))
        if meeting.consultation.video_url:
            lines.append(_("Videolink: %(url)s", url=meeting.consultation.video_url))
        lines.append(_("Op het platform: %(url)s", url=_absolute(f"/overleg/bijeenkomsten/{meeting.id}")))
    return "\n".join(lines)


def _absolute(path):
    return current_app.config["BASE_URL"].rstrip("/") + path


def calendar_for(user, meetings, *, now):
    """Return an iCalendar (bytes) with the meetings, in Europe/Amsterdam time.

    No attendees and no identity: summary, place, links and — for those who
    may see them — question numbers and titles.
    """
    from urllib.parse import urlsplit

    from icalendar import Calendar, Event

    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Platform Expertise Jeugd//Wekelijks overleg//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Wekelijks overleg")
    calendar.add("x-wr-timezone", "Europe/Amsterdam")
    for meeting in meetings:
        series = meeting.consultation
        event = Event()
        event.add("uid", f"overleg-{meeting.id}@{host}")
        event.add("dtstamp", now.astimezone(timezone.utc))
        event.add("last-modified", meeting.updated_at.astimezone(timezone.utc))
        event.add("dtstart", meeting.starts_at.astimezone(AMSTERDAM))
        event.add("dtend", meeting.ends_at.astimezone(AMSTERDAM))
        event.add("sequence", meeting.sequence or 0)
        event.add("summary", series.name)
        if series.place:
            event.add("location", series.place)
        event.add("url", series.video_url or _absolute(f"/overleg/bijeenkomsten/{meeting.id}"))
        event.add("description", _description(meeting, user))
        event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
        if meeting.status != MeetingStatus.CANCELLED:
            event.add_component(_reminder(series.name))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# How long before a meeting the calendar reminds people of it.
REMINDER_BEFORE = timedelta(minutes=30)


def _reminder(name):
    """Return the VALARM of a meeting: a notice REMINDER_BEFORE its start, with the series' name only."""
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{name} begint over {int(REMINDER_BEFORE.total_seconds() // 60)} minuten")
    alarm.add("trigger", -REMINDER_BEFORE)
    return alarm


def feed_meetings(user, now):
    """Return the meetings for a person's calendar feed: those they take part in (30 days back)."""
    meetings = meetings_of(user, now)
    if user.has_role(Role.COORDINATOR):
        meetings = [m for m in meetings if is_participant(user, m)]
    return meetings


# --- triage and the collaboration model ------------------------------------------------------
#
# The deployment's COLLABORATION_MODEL is every question's default route; a coordinator can set a
# question's own route (network, triage or team) and its owner can ask for the team's consultation
# instead. Each change is a thread event (`route_<name>`). In the `triage` route the triage workers
# (coordinators with the triage flag, for the question's team or for every team) are told and see a
# live counter of their queue; routing to named experts makes them *assigned* (`Assignment`): each
# accepts with an expected date or declines with a reason, and an assignment not accepted within one
# working day expires (`expire_assignments`, from `flask insights run-reminders`). Declined and
# expired assignments bring the question back to the queue.

ROUTE_EVENTS = {"network": "route_network", "triage": "route_triage", "team": "route_team"}
ASSIGNMENT_ACCEPTED = "assignment_accepted"
ASSIGNMENT_DECLINED = "assignment_declined"
ASSIGNMENT_EXPIRED = "assignment_expired"
TRIAGE_COUNT_EVENT = "triage_count"
MAX_EXPECTED_DAYS = 60
MAX_CAPACITY = 100
MAX_ABSENCE_DAYS = 366


def collaboration_model():
    """Return the deployment's collaboration model: network, triage or team."""
    return current_app.config.get("COLLABORATION_MODEL", "network")


def effective_route(question):
    """Return the question's route: its own choice, else the deployment's model."""
    return question.route if question.route in COLLABORATION_MODELS else collaboration_model()


def route_label(route):
    return {
        "network": _l("Expertisenetwerk: de deskundigen in de gebieden van de vraag"),
        "triage": _l("Triage: eerst kijkt een triagist naar de vraag"),
        "team": _l("Expertiseteam: het wekelijks overleg van het buurtteam"),
    }[route]


def experts_in_areas(areas):
    ids = [a.id for a in areas]
    if not ids:
        return []
    return db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.EXPERT.value, User.active.is_(True), User.password_hash.is_not(None),
            User.id.in_(sa.select(user_expertise_area.c.user_id).where(user_expertise_area.c.expertise_area_id.in_(ids))),
        )
        .order_by(User.name)
    ).all()


def _active_coordinators():
    return db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value, User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.name)
    ).all()


def triage_workers():
    """Return the active coordinators with the triage flag."""
    return [c for c in _active_coordinators() if c.triage_worker]


def covers_team(worker, team_id):
    """Return True when `worker` triages for the team (no teams chosen: every team)."""
    teams = worker.triage_teams
    return not teams or any(t.id == team_id for t in teams)


def triage_workers_for(question):
    """Return the triage workers of the question's team; without any, every active coordinator.

    The fallback keeps a question in a triage deployment from waiting unseen when
    nobody has set the triage flag yet.
    """
    workers = [w for w in triage_workers() if covers_team(w, question.team_id)]
    return workers or _active_coordinators()


def _tell_route(question, route, *, actor, now):
    """Tell the people of a route about the question; return them."""
    if route == "triage":
        recipients = triage_workers_for(question)
        for person in recipients:
            notify(person, NotificationKind.TRIAGE_WAITING, question_id=question.id, actor=actor, now=now)
        return recipients
    if route == "team":
        people = {e.id: e for s in series_for_team(question.team_id) for e in s.experts if e.is_active}
        recipients = sorted(people.values(), key=lambda p: p.name)
    else:
        recipients = experts_in_areas(question.areas)
    # Urgent questions are their own kind, e-mailed at once by default (not in the daily digest).
    kind = (NotificationKind.URGENT_QUESTION_IN_AREA if question.urgency == Urgency.URGENT
            else NotificationKind.NEW_QUESTION_IN_AREA)
    for person in recipients:
        notify(person, kind, question_id=question.id, actor=actor, now=now)
    return recipients


def route_new_question(question, *, now):
    """Tell the right people about a just-published question, per its route.

    `network`: every expert in the question's areas; `team`: the standing
    experts of the consultations serving the question's team; `triage`: no
    expert yet — the triage workers of its team are told, and their queue
    counters go up. Return the experts notified (none in triage).
    """
    if question.status != Status.OPEN:
        return []
    route = effective_route(question)
    recipients = _tell_route(question, route, actor=question.owner, now=now)
    if route == "triage":
        publish_triage_counts()
        return []
    return recipients


def _open_unmoderated():
    return sa.and_(Question.status == Status.OPEN.value, Question.moderation_state.is_(None))


def _queue_filter():
    """Open questions that wait for triage: not scheduled, no live assignment, not routed elsewhere."""
    scheduled = sa.select(QuestionEvent.question_id).where(QuestionEvent.kind.in_(TRIAGE_DONE_WITHOUT_ROUTING))
    live = sa.select(Assignment.question_id).where(Assignment.status.in_(LIVE_ASSIGNMENT))
    # Routed before assignments existed: a routing event without any assignment row.
    legacy = sa.select(QuestionEvent.question_id).where(
        QuestionEvent.kind == EventKind.TRIAGE_ROUTED,
        ~sa.exists().where(Assignment.question_id == QuestionEvent.question_id))
    return sa.and_(
        _open_unmoderated(), Question.id.not_in(scheduled), Question.id.not_in(live), Question.id.not_in(legacy),
        sa.or_(Question.route.is_(None), Question.route == "triage"),
    )


def triage_queue(worker=None):
    """Return the questions waiting for triage, oldest first; for a triage worker, of their teams.

    Waiting: open (no advice yet), not held by moderation, not scheduled for a
    consultation, without an assignment that is still open or accepted, and not
    given another route. A question whose assignments were all declined or
    expired is back in the queue.
    """
    query = sa.select(Question).where(_queue_filter())
    if worker is not None and worker.triage_worker and worker.triage_teams:
        query = query.where(Question.team_id.in_([t.id for t in worker.triage_teams]))
    return db.session.scalars(query.order_by(Question.published_at, Question.id)).all()


def triage_count(worker):
    """Return how many questions wait in `worker`'s queue (0 for anyone without the triage flag)."""
    if not worker.triage_worker or not worker.has_role(Role.COORDINATOR):
        return 0
    query = sa.select(sa.func.count(Question.id)).where(_queue_filter())
    if worker.triage_teams:
        query = query.where(Question.team_id.in_([t.id for t in worker.triage_teams]))
    return db.session.scalar(query)


def publish_triage_counts():
    """Queue each triage worker's new counter for after the commit (an id-free count only)."""
    db.session.flush()
    for worker in triage_workers():
        count = triage_count(worker)
        publish_on_commit(TRIAGE_COUNT_EVENT, {"event": TRIAGE_COUNT_EVENT, "count": count}, f"user:{worker.id}")


def sharpening_asked(question_ids):
    """Return the ids among `question_ids` where a sharpening question was asked."""
    if not question_ids:
        return set()
    return set(db.session.scalars(
        sa.select(QuestionEvent.question_id).where(
            QuestionEvent.question_id.in_(question_ids), QuestionEvent.kind == EventKind.TRIAGE_SHARPEN)
    ))


def _require_triage(actor, question):
    _require_coordinator(actor)
    if question.status not in (Status.OPEN, Status.ADVISED):
        raise ConsultationError(_l("Triage kan alleen bij een lopende vraag."))


def team_has_consultation(question):
    """Return True when an active weekly consultation serves the question's team."""
    return bool(series_for_team(question.team_id))


def can_set_route(user, question):
    """Coordinators may set any route; the owner may ask for the team's consultation."""
    if question.status not in (Status.OPEN, Status.ADVISED):
        return False
    return user.has_role(Role.COORDINATOR) or (user.has_role(Role.FAMILY_WORKER) and question.owner_id == user.id)


def set_route(actor, question, route, *, now):
    """Give the question its own route, record it in the thread and tell the route's people.

    A coordinator (triage worker or not) may choose any route; the owner may
    choose only `team`: the team's weekly consultation instead of the network
    or the triage worker.
    """
    if route not in COLLABORATION_MODELS:
        raise ConsultationError(_l("Kies een route."), "route")
    if not can_set_route(actor, question):
        raise ConsultationError(_l("Je kunt de route van deze vraag niet wijzigen."))
    if not actor.has_role(Role.COORDINATOR) and route != "team":
        raise ConsultationError(_l("Je kunt alleen het overleg van je buurtteam vragen."), "route")
    if not actor.has_role(Role.COORDINATOR) and not series_for_team(question.team_id):
        raise ConsultationError(_l("Je buurtteam heeft nog geen wekelijks overleg."), "route")
    if route == effective_route(question) and question.route is not None:
        raise ConsultationError(_l("De vraag heeft deze route al."), "route")
    question.route = route
    _event(question, actor, ROUTE_EVENTS[route], now)
    _tell_route(question, route, actor=actor, now=now)
    publish_triage_counts()
    return question


def ask_sharpening_question(actor, question, *, body, now):
    """Ask the family worker a question in the thread to sharpen theirs; tell them."""
    _require_triage(actor, question)
    body = (body or "").strip()
    if not body:
        raise ConsultationError(_l("Schrijf je vraag aan de gezinswerker."), "body")
    post = _thread_post(actor, question, body, kind=PostKind.COMMENT, now=now)  # tells the owner
    _event(question, actor, EventKind.TRIAGE_SHARPEN, now, target=question.owner)
    db.session.flush()
    return post


def assignments_of_question(question_id):
    """Return the question's assignments, newest first."""
    return db.session.scalars(
        sa.select(Assignment).where(Assignment.question_id == question_id)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    ).all()


def live_assignment(expert, question_id):
    """Return the expert's open or accepted assignment of the question, or None."""
    return db.session.scalar(
        sa.select(Assignment).where(Assignment.question_id == question_id, Assignment.expert_id == expert.id,
                                    Assignment.status.in_(LIVE_ASSIGNMENT))
        .order_by(Assignment.id.desc()).limit(1)
    )


def assigned_to(expert):
    """Return the expert's open and accepted assignments of running questions, waiting ones first."""
    rows = db.session.scalars(
        sa.select(Assignment).join(Question, Question.id == Assignment.question_id)
        .where(Assignment.expert_id == expert.id, Assignment.status.in_(LIVE_ASSIGNMENT),
               Question.status.in_((Status.OPEN.value, Status.ADVISED.value)))
        .order_by(Assignment.created_at, Assignment.id)
    ).all()
    return sorted(rows, key=lambda a: a.status != AssignmentStatus.ASSIGNED.value)


def route_to_experts(actor, question, experts, *, now):
    """Assign a question to named experts; each is told and has one working day to accept.

    An expert who already holds an open or accepted assignment of the question
    is skipped. Others still see the question as before.
    """
    _require_triage(actor, question)
    experts = [e for e in experts if e is not None]
    if not experts:
        raise ConsultationError(_l("Kies minstens één deskundige."), "experts")
    for expert in experts:
        if not expert.has_role(Role.EXPERT) or not expert.is_active:
            raise ConsultationError(_l("Kies actieve deskundigen."), "experts")
    fresh = [e for e in experts if live_assignment(e, question.id) is None]
    if not fresh:
        raise ConsultationError(_l("Deze deskundigen zijn al aan de vraag toegewezen."), "experts")
    respond_by = workdays.add_working_days(now, 1)
    for expert in fresh:
        db.session.add(Assignment(question_id=question.id, expert_id=expert.id, assigned_by_id=actor.id,
                                  status=AssignmentStatus.ASSIGNED.value, created_at=now, respond_by=respond_by))
        _event(question, actor, EventKind.TRIAGE_ROUTED, now, target=expert)
        notify(expert, NotificationKind.ASSIGNED, question_id=question.id, actor=actor, now=now)
    publish_triage_counts()
    return fresh


def _require_open_assignment(actor, assignment):
    if assignment is None or assignment.expert_id != actor.id:
        raise ConsultationError(_l("Deze vraag is niet aan jou toegewezen."))
    if assignment.status != AssignmentStatus.ASSIGNED.value:
        raise ConsultationError(_l("Je hebt op deze toewijzing al geantwoord."))
    if assignment.question.status not in (Status.OPEN, Status.ADVISED):
        raise ConsultationError(_l("De vraag loopt niet meer."))


def _returned_to_triage(assignment, now, *, actor):
    """Tell whoever assigned (or the team's triage workers) that the question is back."""
    people = [assignment.assigned_by] if assignment.assigned_by is not None and assignment.assigned_by.is_active \
        else triage_workers_for(assignment.question)
    for person in people:
        notify(person, NotificationKind.ASSIGNMENT_RETURNED, question_id=assignment.question_id, actor=actor, now=now)
    publish_triage_counts()


def accept_assignment(actor, assignment, *, expected_on, now):
    """Accept an assignment ("ik pak dit op") with the date the owner may expect advice."""
    _require_open_assignment(actor, assignment)
    today = local_today(now)
    if expected_on is None:
        raise ConsultationError(_l("Vul in wanneer je advies verwacht te geven."), "expected_on")
    if not today <= expected_on <= today + timedelta(days=MAX_EXPECTED_DAYS):
        raise ConsultationError(
            _l("Kies een datum vanaf vandaag en binnen %(days)d dagen.", days=MAX_EXPECTED_DAYS), "expected_on")
    assignment.status = AssignmentStatus.ACCEPTED.value
    assignment.expected_on = expected_on
    assignment.responded_at = now
    question = assignment.question
    _event(question, actor, ASSIGNMENT_ACCEPTED, now)
    notify(question.owner, NotificationKind.ASSIGNMENT_ACCEPTED, question_id=question.id, actor=actor, now=now)
    db.session.flush()
    return assignment


def decline_assignment(actor, assignment, *, reason, now):
    """Decline an assignment with one of the fixed reasons; the question goes back to triage."""
    _require_open_assignment(actor, assignment)
    if reason not in {r.value for r in DeclineReason}:
        raise ConsultationError(_l("Kies een reden."), "reason")
    assignment.status = AssignmentStatus.DECLINED.value
    assignment.decline_reason = reason
    assignment.responded_at = now
    _event(assignment.question, actor, ASSIGNMENT_DECLINED, now)
    _returned_to_triage(assignment, now, actor=actor)
    return assignment


def expire_assignments(now):
    """Expire assignments not accepted by their time (one working day); return them.

    Idempotent: an expired assignment is no longer open, so a second run finds nothing.
    """
    due = db.session.scalars(
        sa.select(Assignment).where(Assignment.status == AssignmentStatus.ASSIGNED.value,
                                    Assignment.respond_by <= now)
        .order_by(Assignment.respond_by, Assignment.id)
    ).all()
    for assignment in due:
        assignment.status = AssignmentStatus.EXPIRED.value
        assignment.responded_at = now
        actor = assignment.assigned_by or assignment.expert
        _event(assignment.question, actor, ASSIGNMENT_EXPIRED, now, target=assignment.expert)
        _returned_to_triage(assignment, now, actor=None)
    db.session.flush()
    return due


def schedule_for_consultation(actor, question, meeting, *, note="", pii_confirmed=False, now):
    """Put a question on a consultation's agenda as a triage decision; tell the owner."""
    _require_triage(actor, question)
    item = _add_item(actor, question, meeting, source=ItemSource.TRIAGE, note=note, pii_confirmed=pii_confirmed,
                     now=now)
    _event(question, actor, EventKind.TRIAGE_SCHEDULED, now)
    notify(question.owner, NotificationKind.CONSULTATION_UPDATE, question_id=question.id, actor=actor, now=now)
    publish_triage_counts()
    return item


# --- availability, capacity and routing suggestions --------------------------------------------


def set_triage_worker(actor, *, triage_worker, teams):
    """Set the coordinator's own triage flag and the teams they triage for (none: every team)."""
    _require_coordinator(actor)
    actor.triage_worker = bool(triage_worker)
    actor.triage_teams = list(teams) if triage_worker else []
    db.session.flush()
    return actor


def set_availability(actor, *, absent_until, monthly_capacity, now):
    """Set the expert's own absence (until and including a date) and optional monthly capacity."""
    if not actor.has_role(Role.EXPERT):
        raise ConsultationError(_l("Alleen een deskundige kan dit doen."))
    today = local_today(now)
    if absent_until is not None and not today <= absent_until <= today + timedelta(days=MAX_ABSENCE_DAYS):
        raise ConsultationError(_l("Kies een datum vanaf vandaag en binnen een jaar."), "absent_until")
    if monthly_capacity is not None and not 0 <= monthly_capacity <= MAX_CAPACITY:
        raise ConsultationError(_l("Vul een aantal tussen 0 en %(max)d in.", max=MAX_CAPACITY), "monthly_capacity")
    actor.absent_until = absent_until
    actor.monthly_capacity = monthly_capacity
    db.session.flush()
    return actor


def is_absent(expert, now):
    return expert.absent_until is not None and expert.absent_until >= local_today(now)


def assignments_this_month(expert_ids, now):
    """Return {expert id: assignments made this (Amsterdam) month that were not declined or expired}."""
    if not expert_ids:
        return {}
    today = local_today(now)
    start = datetime.combine(today.replace(day=1), time(0), tzinfo=AMSTERDAM).astimezone(timezone.utc)
    rows = db.session.execute(
        sa.select(Assignment.expert_id, sa.func.count(Assignment.id))
        .where(Assignment.expert_id.in_(expert_ids), Assignment.created_at >= start,
               Assignment.status.in_(LIVE_ASSIGNMENT))
        .group_by(Assignment.expert_id)
    )
    return dict(rows.all())


@dataclass
class Suggestion:
    """An expert for a question, with what makes them fit (or not) and why, in words."""

    expert: User
    matching_areas: list
    absent: bool
    used: int
    capacity: int | None
    reasons: list = field(default_factory=list)

    @property
    def has_capacity(self):
        return self.capacity is None or self.used < self.capacity

    @property
    def recommended(self):
        return bool(self.matching_areas) and not self.absent and self.has_capacity


def suggest_experts(question, *, now):
    """Return every active expert as a Suggestion, best first, each with the reasons in words.

    Best first: available (not absent) with capacity left this month in the
    question's areas, then by the number of the question's areas they cover;
    absent or full experts come last but stay choosable.
    """
    experts = active_experts()
    used = assignments_this_month([e.id for e in experts], now)
    area_ids = {a.id for a in question.areas}
    suggestions = []
    for expert in experts:
        matching = [a for a in expert.expertise_areas if a.id in area_ids]
        item = Suggestion(expert, matching, is_absent(expert, now), used.get(expert.id, 0), expert.monthly_capacity)
        if matching:
            item.reasons.append(_("Expertise: %(areas)s", areas=", ".join(a.name for a in matching)))
        else:
            item.reasons.append(_("Geen van de gebieden van de vraag"))
        if item.absent:
            item.reasons.append(_("Afwezig tot en met %(date)s",
                                  date=babel_format_date(expert.absent_until, "d MMMM yyyy")))
        else:
            item.reasons.append(_("Beschikbaar"))
        if item.capacity is None:
            item.reasons.append(_("%(used)d toegewezen deze maand", used=item.used))
        elif item.has_capacity:
            item.reasons.append(_("Capaciteit: %(used)d van %(capacity)d deze maand", used=item.used,
                                  capacity=item.capacity))
        else:
            item.reasons.append(_("Vol: %(used)d van %(capacity)d deze maand", used=item.used, capacity=item.capacity))
        suggestions.append(item)
    suggestions.sort(key=lambda s: (not s.recommended, s.absent, not s.has_capacity, -len(s.matching_areas),
                                    s.expert.name, s.expert.id))
    return suggestions


def active_experts():
    return db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EXPERT.value, User.active.is_(True), User.password_hash.is_not(None))
        .order_by(User.name)
    ).all()


def active_teams():
    return db.session.scalars(sa.select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()


def active_areas():
    return db.session.scalars(
        sa.select(ExpertiseArea).where(ExpertiseArea.active.is_(True)).order_by(ExpertiseArea.name)
    ).all()


def set_budget(actor, organisation, minutes):
    """Set an organisation's agreed consultation minutes per month."""
    _require_coordinator(actor)
    if minutes is None or not 0 <= minutes <= 100000:
        raise ConsultationError(_l("Vul een budget tussen 0 en 100000 minuten in."), "minutes")
    organisation.monthly_budget_minutes = minutes
    db.session.flush()


def init_app(app):
    """Refuse to start with an unknown collaboration model."""
    model = app.config.setdefault("COLLABORATION_MODEL", "network")
    if model not in COLLABORATION_MODELS:
        from .. import ConfigError

        raise ConfigError(f"COLLABORATION_MODEL must be one of {', '.join(COLLABORATION_MODELS)}")
