"""Consultation models: series, their meetings, agenda items, attendance, calendar feeds.

A series (`consultation`) says when and where a group meets; each meeting
(`consultation_meeting`) is one occurrence with its own agenda. Times are kept
as the local wall-clock time of the series (Europe/Amsterdam) and as UTC
instants per meeting, so a daylight-saving change never moves a meeting.
Agenda items point at questions; the agenda shows their title, areas and
age only — never a resident's identity.
"""
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, Team, User
from ..core.database import UtcDateTime
from ..core.erasure import declare_erasable
from ..core.time import utcnow
from ..extensions import db


class Recurrence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"

    @property
    def label(self):
        return {Recurrence.WEEKLY: _l("Elke week"), Recurrence.BIWEEKLY: _l("Om de week")}[self]


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return {
            MeetingStatus.PLANNED: _l("Gepland"),
            MeetingStatus.HELD: _l("Gehouden"),
            MeetingStatus.CANCELLED: _l("Vervalt"),
        }[self]


class ItemSource(enum.StrEnum):
    NOMINATION = "nomination"  # the family worker asked for it
    COORDINATOR = "coordinator"  # overdue or complex, added by the coordinator
    TRIAGE = "triage"  # scheduled by the triage worker
    ROLLOVER = "rollover"  # not discussed last time

    @property
    def label(self):
        return {
            ItemSource.NOMINATION: _l("Aangemeld door de gezinswerker"),
            ItemSource.COORDINATOR: _l("Toegevoegd door de coördinator"),
            ItemSource.TRIAGE: _l("Ingepland na triage"),
            ItemSource.ROLLOVER: _l("Doorgeschoven van het vorige overleg"),
        }[self]


class ItemStatus(enum.StrEnum):
    PLANNED = "planned"
    DISCUSSED = "discussed"
    ROLLED_OVER = "rolled_over"


WEEKDAYS = [_l("maandag"), _l("dinsdag"), _l("woensdag"), _l("donderdag"), _l("vrijdag"),
            _l("zaterdag"), _l("zondag")]


consultation_team = sa.Table(
    "consultation_team",
    db.metadata,
    sa.Column("consultation_id", sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_id", sa.ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)

consultation_expert = sa.Table(
    "consultation_expert",
    db.metadata,
    sa.Column("consultation_id", sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

agenda_item_expert = sa.Table(
    "agenda_item_expert",
    db.metadata,
    sa.Column("agenda_item_id", sa.ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(db.Model):
    """A recurring consultation (series): when, where, for which teams, with which experts."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    coordinator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    start_time = mapped_column(sa.Time, nullable=False)  # wall-clock time in Europe/Amsterdam
    duration_minutes: Mapped[int] = mapped_column(default=90)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    recurrence: Mapped[str] = mapped_column(sa.String(10), default=Recurrence.WEEKLY.value)
    # The first meeting date; every-two-weeks series count from here.
    starts_on = mapped_column(sa.Date, nullable=False)
    # The agenda closes this many hours before a meeting starts.
    agenda_closes_hours: Mapped[int] = mapped_column(default=24)
    active: Mapped[bool] = mapped_column(default=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    coordinator = relationship(User, foreign_keys=[coordinator_id])
    teams = relationship(Team, secondary=consultation_team, order_by=Team.name)
    experts = relationship(User, secondary=consultation_expert, order_by=User.name)
    skips = relationship("ConsultationSkip", cascade="all, delete-orphan", passive_deletes=True,
                         order_by="ConsultationSkip.skip_date")
    meetings = relationship("Meeting", back_populates="consultation", cascade="all, delete-orphan",
                            passive_deletes=True, order_by="Meeting.starts_at")

    def __repr__(self):
        return f"<Consultation {self.id}>"

    @property
    def recurrence_enum(self):
        return Recurrence(self.recurrence)

    @property
    def weekday_label(self):
        return WEEKDAYS[self.weekday]


class ConsultationSkip(db.Model):
    """A date on which a series does not meet (a holiday)."""

    __tablename__ = "consultation_skip"

    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True
    )
    skip_date = mapped_column(sa.Date, primary_key=True)


class Meeting(db.Model):
    """One meeting of a series, with its own agenda; `sequence` counts calendar updates."""

    __tablename__ = "consultation_meeting"
    __table_args__ = (sa.UniqueConstraint("consultation_id", "meeting_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    meeting_date = mapped_column(sa.Date, nullable=False, index=True)  # local date
    starts_at = mapped_column(UtcDateTime, nullable=False, index=True)
    ends_at = mapped_column(UtcDateTime, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(10), default=MeetingStatus.PLANNED.value)
    # iCalendar SEQUENCE: raised on every change a calendar should pick up.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    held_at = mapped_column(UtcDateTime)

    consultation = relationship(Consultation, back_populates="meetings")
    items = relationship("AgendaItem", back_populates="meeting", cascade="all, delete-orphan",
                         passive_deletes=True, order_by="AgendaItem.position, AgendaItem.id")
    attendance = relationship("Attendance", back_populates="meeting", cascade="all, delete-orphan",
                              passive_deletes=True, order_by="Attendance.id")

    def __repr__(self):
        return f"<Meeting {self.id}>"

    @property
    def status_enum(self):
        return MeetingStatus(self.status)


class AgendaItem(db.Model):
    """A question on a meeting's agenda, with its time slot, extra experts and conclusion."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation_meeting.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(sa.String(15), default=ItemSource.NOMINATION.value)
    position: Mapped[int] = mapped_column(default=0)
    slot_minutes: Mapped[int] = mapped_column(default=15)
    # What the family worker wants to discuss (plain text, shown to participants).
    discussion_note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(15), default=ItemStatus.PLANNED.value)
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion_post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("post.id", ondelete="SET NULL"))
    rolled_over_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_item.id", ondelete="SET NULL"))
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)

    meeting = relationship(Meeting, back_populates="items")
    question = relationship("Question")
    added_by = relationship(User, foreign_keys=[added_by_id])
    experts = relationship(User, secondary=agenda_item_expert, order_by=User.name)

    def __repr__(self):
        return f"<AgendaItem {self.id}>"

    @property
    def source_enum(self):
        return ItemSource(self.source)


class Attendance(db.Model):
    """Who took part in a meeting and for how many minutes; the organisation as it was then."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation_meeting.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    present: Mapped[bool] = mapped_column(default=True)
    minutes: Mapped[int] = mapped_column(default=0)

    meeting = relationship(Meeting, back_populates="attendance")
    user = relationship(User)
    organisation = relationship(Organisation)


class CalendarFeed(db.Model):
    """A person's secret calendar feed; only the SHA-256 of the token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    last_used_at = mapped_column(UtcDateTime)

    user = relationship(User)


class AssignmentStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # routed to the expert, no answer yet
    ACCEPTED = "accepted"  # "ik pak dit op", with an expected date
    DECLINED = "declined"  # declined with a reason: back to the triage worker
    EXPIRED = "expired"  # not accepted within one working day: back to the triage worker

    @property
    def label(self):
        return {
            AssignmentStatus.ASSIGNED: _l("Toegewezen, nog niet opgepakt"),
            AssignmentStatus.ACCEPTED: _l("Pakt dit op"),
            AssignmentStatus.DECLINED: _l("Afgewezen"),
            AssignmentStatus.EXPIRED: _l("Niet op tijd opgepakt"),
        }[self]


LIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED.value, AssignmentStatus.ACCEPTED.value)


class DeclineReason(enum.StrEnum):
    """Why an expert declines an assignment: fixed reasons, so no case text is typed here."""

    NO_TIME = "no_time"
    OUTSIDE_EXPERTISE = "outside_expertise"
    ABSENT = "absent"
    OTHER_EXPERT = "other_expert"

    @property
    def label(self):
        return {
            DeclineReason.NO_TIME: _l("Geen tijd op dit moment"),
            DeclineReason.OUTSIDE_EXPERTISE: _l("Valt buiten mijn expertise"),
            DeclineReason.ABSENT: _l("Ik ben afwezig"),
            DeclineReason.OTHER_EXPERT: _l("Een collega past beter"),
        }[self]


class Assignment(db.Model):
    """A question routed to one named expert by a triage worker, and the expert's answer.

    Assigned until the expert accepts (with an expected date) or declines (with
    a reason); an assignment not accepted by `respond_by` (one working day) expires.
    Declined and expired assignments send the question back to the triage queue.
    """

    __tablename__ = "assignment"
    __table_args__ = (sa.Index("ix_assignment_expert_status", "expert_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(10), default=AssignmentStatus.ASSIGNED.value)
    created_at = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    respond_by = mapped_column(UtcDateTime, nullable=False, index=True)
    responded_at = mapped_column(UtcDateTime)
    expected_on = mapped_column(sa.Date)
    decline_reason: Mapped[str | None] = mapped_column(sa.String(20))

    question = relationship("Question")
    expert = relationship(User, foreign_keys=[expert_id])
    assigned_by = relationship(User, foreign_keys=[assigned_by_id])

    @property
    def status_enum(self):
        return AssignmentStatus(self.status)

    @property
    def is_live(self):
        return self.status in LIVE_ASSIGNMENT

    @property
    def decline_reason_label(self):
        return DeclineReason(self.decline_reason).label if self.decline_reason else ""


# Erasing a resident redacts the texts that held its identity (`questions.service.redact_resident_texts`):
# the daily job vacuums their dead row versions on PostgreSQL (expertise.core.erasure).
declare_erasable("agenda_item")
