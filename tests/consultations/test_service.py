"""Consultation rules: series and meetings, agenda, attendance, conclusions, roll-over, hours."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from expertise.accounts.models import Role
from expertise.consultations import service
from expertise.consultations.models import ItemSource, ItemStatus, MeetingStatus, Recurrence
from expertise.core.time import AMSTERDAM
from expertise.extensions import db
from expertise.questions.models import Post, QuestionEvent, Status
from expertise.realtime.models import Notification

from ..factories import make_question, make_series, make_user

# A Monday morning; the series meet on Thursdays at 14:00 in Amsterdam.
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)
THURSDAY = date(2026, 5, 7)


def _series(cast, **kwargs):
    kwargs.setdefault("experts", [cast.eva])
    kwargs.setdefault("teams", [cast.anna.team])
    return make_series(cast.cas, now=NOW, days_ahead=3, **kwargs)


def _notified(user, kind=None):
    query = db.select(Notification).filter_by(user_id=user.id)
    if kind:
        query = query.filter_by(kind=kind)
    return db.session.scalars(query).all()


def test_weekly_series_plans_meetings_in_amsterdam_time(cast):
    series = _series(cast)
    meetings = service.ensure_meetings(series, NOW)  # 8 weeks ahead by default
    assert [m.meeting_date for m in meetings] == [THURSDAY + timedelta(weeks=n) for n in range(8)]
    first = meetings[0]
    assert first.starts_at == datetime(2026, 5, 7, 12, 0, tzinfo=timezone.utc)  # 14:00 CEST
    assert first.ends_at - first.starts_at == timedelta(minutes=90)
    # Generating again creates nothing new.
    assert len(service.ensure_meetings(series, NOW)) == 8
    assert len(service.ensure_meetings(series, NOW + timedelta(weeks=1))) == 8  # one more, one past


def test_meeting_keeps_local_time_across_daylight_saving(cast):
    series = make_series(cast.cas, now=datetime(2026, 10, 19, 8, 0, tzinfo=timezone.utc), days_ahead=3,
                         experts=[cast.eva])
    meetings = service.ensure_meetings(series, datetime(2026, 10, 19, 8, 0, tzinfo=timezone.utc))[:3]
    assert [m.starts_at.astimezone(AMSTERDAM).time() for m in meetings] == [time(14, 0)] * 3
    assert meetings[0].starts_at.hour == 12 and meetings[1].starts_at.hour == 13  # CEST, then CET


def test_every_two_weeks_skips_the_weeks_between(cast):
    series = _series(cast, recurrence=Recurrence.BIWEEKLY)
    dates = [m.meeting_date for m in service.ensure_meetings(series, NOW)]
    assert dates == [THURSDAY + timedelta(weeks=n) for n in (0, 2, 4, 6)]


def test_holiday_skip_cancels_the_meeting_and_moves_its_agenda(cast):
    series = _series(cast)
    question = make_question(cast.anna, now=NOW)
    holiday = THURSDAY + timedelta(weeks=1)  # Hemelvaartsdag 2026 is 14 May
    meeting = service.ensure_meetings(series, NOW)[1]
    assert meeting.meeting_date == holiday
    item = service.nominate_question(cast.anna, question, meeting, note="Graag bespreken", now=NOW)
    sequence = meeting.sequence
    service.skip_date(cast.cas, series, holiday, now=NOW)
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.sequence > sequence
    assert item.status == ItemStatus.ROLLED_OVER
    following = service.next_meeting(series, NOW, after=meeting)
    assert following.meeting_date == holiday + timedelta(weeks=1)
    assert [i.question_id for i in following.items] == [question.id]
    # A series created with the skip never plans that date.
    dates = [m.meeting_date for m in service.ensure_meetings(series, NOW) if m.status == MeetingStatus.PLANNED]
    assert holiday not in dates
    with pytest.raises(service.ConsultationError):
        service.skip_date(cast.cas, series, holiday, now=NOW)


def test_time_change_moves_future_meetings_and_raises_sequence(cast):
    series = _series(cast)
    meetings = service.ensure_meetings(series, NOW)
    sequences = [m.sequence for m in meetings]
    service.update_series(cast.cas, series, name=series.name, weekday=series.weekday, start_time=time(9, 30),
                          duration_minutes=60, place=series.place, teams=series.teams, experts=series.experts,
                          now=NOW)
    for meeting, before in zip(meetings, sequences):
        assert meeting.starts_at.astimezone(AMSTERDAM).time() == time(9, 30)
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=60)
        assert meeting.sequence == before + 1
    assert _notified(cast.eva, "consultation_update")


def test_weekday_change_moves_meetings_within_their_week(cast):
    series = _series(cast)
    first = service.ensure_meetings(series, NOW)[0]
    service.update_series(cast.cas, series, name=series.name, weekday=1, start_time=series.start_time,
                          duration_minutes=90, place=series.place, teams=series.teams, experts=series.experts,
                          now=NOW)
    assert first.meeting_date == date(2026, 5, 5)
    assert {m.meeting_date.weekday() for m in service.ensure_meetings(series, NOW)} == {1}


def test_only_coordinators_set_up_series(cast):
    with pytest.raises(service.ConsultationError):
        make_series(cast.eva, now=NOW, experts=[cast.eva])
    with pytest.raises(service.ConsultationError):
        service.create_series(cast.cas, name="X", weekday=3, start_time=time(14), duration_minutes=60,
                              place="", video_url="", now=NOW)  # neither place nor link


def test_family_worker_nominates_own_question_while_the_agenda_is_open(cast):
    series = _series(cast)
    question = make_question(cast.anna, now=NOW)
    meeting = service.next_meeting(series, NOW, open_only=True)
    with pytest.raises(service.ConsultationError):
        service.nominate_question(cast.bram, question, meeting, note="x", now=NOW)  # not the owner
    with pytest.raises(service.ConsultationError):
        service.nominate_question(cast.anna, question, meeting, note=" ", now=NOW)  # nothing to discuss
    item = service.nominate_question(cast.anna, question, meeting, note="Welke hulp past?", now=NOW)
    assert item.source == ItemSource.NOMINATION and item.discussion_note == "Welke hulp past?"
    assert [e.kind for e in question.events][-1] == "agenda_nominated"
    assert _notified(cast.cas, "consultation_update")
    with pytest.raises(service.ConsultationError):
        service.nominate_question(cast.anna, question, meeting, note="nog eens", now=NOW)  # already on it


def test_agenda_closes_a_set_time_before_the_meeting(cast):
    series = _series(cast, agenda_closes_hours=24)
    question = make_question(cast.anna, now=NOW)
    meeting = service.ensure_meetings(series, NOW)[0]
    late = meeting.starts_at - timedelta(hours=23)
    with pytest.raises(service.ConsultationError):
        service.nominate_question(cast.anna, question, meeting, note="x", now=late)
    # The next open meeting is the week after.
    assert service.next_meeting(series, late, open_only=True).meeting_date == THURSDAY + timedelta(weeks=1)
    # A coordinator may still add an overdue or complex question.
    item = service.add_to_agenda(cast.cas, question, meeting, note="Over de norm", now=late)
    assert item.source == ItemSource.COORDINATOR
    assert _notified(cast.anna, "consultation_update")


def test_team_of_another_series_cannot_nominate_there(cast):
    series = _series(cast)  # serves anna's team only
    question = make_question(cast.bram, now=NOW)
    with pytest.raises(service.ConsultationError):
        service.nominate_question(cast.bram, question, service.next_meeting(series, NOW), note="x", now=NOW)


def test_coordinator_orders_the_agenda_with_time_slots(cast):
    series = _series(cast)
    meeting = service.next_meeting(series, NOW)
    first = service.add_to_agenda(cast.cas, make_question(cast.anna, title="Eerste", now=NOW), meeting, now=NOW)
    second = service.add_to_agenda(cast.cas, make_question(cast.anna, title="Tweede", now=NOW), meeting, now=NOW)
    sequence = meeting.sequence
    fits = service.arrange_agenda(cast.cas, meeting, {first.id: (2, 30), second.id: (1, 20)}, now=NOW)
    assert fits
    db.session.refresh(meeting)
    assert [i.id for i in meeting.items] == [second.id, first.id]
    times = service.item_times(meeting)
    assert [(s.astimezone(AMSTERDAM).strftime("%H:%M"), e.astimezone(AMSTERDAM).strftime("%H:%M"))
            for _i, s, e in times] == [("14:00", "14:20"), ("14:20", "14:50")]
    assert meeting.sequence > sequence
    assert not service.arrange_agenda(cast.cas, meeting, {first.id: (1, 120), second.id: (2, 60)}, now=NOW)
    with pytest.raises(service.ConsultationError):
        service.arrange_agenda(cast.cas, meeting, {first.id: (1, 500)}, now=NOW)
    with pytest.raises(service.ConsultationError):
        service.arrange_agenda(cast.eva, meeting, {first.id: (1, 10)}, now=NOW)


def test_extra_experts_are_invited_per_item_by_area(cast):
    series = _series(cast)
    meeting = service.next_meeting(series, NOW)
    item = service.add_to_agenda(cast.cas, make_question(cast.anna, now=NOW), meeting, now=NOW)
    added = service.invite_experts_by_area(cast.cas, item, cast.olaf.expertise_areas[0], now=NOW)
    assert added == [cast.olaf]
    assert cast.olaf in service.participants(meeting)
    assert _notified(cast.olaf, "consultation_update")[0].question_id == item.question_id
    with pytest.raises(service.ConsultationError):  # eva is a standing expert already
        service.invite_experts_by_area(cast.cas, item, cast.eva.expertise_areas[0], now=NOW)


def _held_meeting(cast):
    series = _series(cast)
    meeting = service.next_meeting(series, NOW)
    question = make_question(cast.anna, now=NOW)
    item = service.nominate_question(cast.anna, question, meeting, note="Wat nu?", now=NOW)
    during = meeting.starts_at + timedelta(minutes=30)
    return series, meeting, question, item, during


def test_attendance_records_minutes_and_the_organisation(cast):
    _series_, meeting, _q, _item, during = _held_meeting(cast)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 90), (cast.anna, True, 20), (cast.cas, False, 0)],
                              now=during)
    rows = {row.user_id: row for row in meeting.attendance}
    assert rows[cast.eva.id].minutes == 90 and rows[cast.eva.id].organisation_id == cast.eva.organisation_id
    assert rows[cast.anna.id].organisation_id is None
    assert not rows[cast.cas.id].present
    assert service.experts_present(meeting) == [cast.eva]
    with pytest.raises(service.ConsultationError):
        service.record_attendance(cast.cas, meeting, [(cast.eva, True, 10000)], now=during)


def test_conclusion_becomes_advice_in_the_thread_and_the_owner_is_told(cast):
    _series_, meeting, question, item, during = _held_meeting(cast)
    with pytest.raises(service.ConsultationError):  # who was there comes first
        service.record_conclusion(cast.cas, item, conclusion="Advies", now=during)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 90)], now=during)
    post = service.record_conclusion(cast.cas, item, conclusion="Schakel de jeugd-GGZ in.", now=during)
    assert post.author_id == cast.cas.id and post.is_advice and post.author_role == Role.COORDINATOR
    assert post.body.startswith("**Advies uit het wekelijks overleg van 7 mei**")
    assert "Schakel de jeugd-GGZ in." in post.body
    assert "Eva Deskundige (Altrecht)" in post.body
    assert question.status == Status.ADVISED
    assert item.status == ItemStatus.DISCUSSED and item.conclusion_post_id == post.id
    [notification] = _notified(cast.anna, "new_advice")
    assert notification.question_id == question.id
    with pytest.raises(service.ConsultationError):
        service.record_conclusion(cast.cas, item, conclusion="Nog eens", now=during)


def test_items_not_discussed_roll_over_to_the_next_meeting(cast):
    series, meeting, question, item, during = _held_meeting(cast)
    other = service.add_to_agenda(cast.cas, make_question(cast.anna, title="Besproken", now=NOW), meeting, now=NOW)
    service.invite_experts_by_area(cast.cas, item, cast.olaf.expertise_areas[0], now=NOW)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 90)], now=during)
    service.record_conclusion(cast.cas, other, conclusion="Klaar", now=during)
    with pytest.raises(service.ConsultationError):
        service.close_meeting(cast.cas, meeting, now=meeting.starts_at - timedelta(hours=1))
    moved = service.close_meeting(cast.cas, meeting, now=during)
    assert meeting.status == MeetingStatus.HELD
    assert item.status == ItemStatus.ROLLED_OVER
    [new] = moved
    assert new.meeting.meeting_date == meeting.meeting_date + timedelta(weeks=1)
    assert new.question_id == question.id and new.source == ItemSource.ROLLOVER and new.position == 1
    assert new.discussion_note == "Wat nu?" and new.experts == [cast.olaf]
    assert "agenda_rolled_over" in [e.kind for e in question.events]


def test_hours_per_expert_and_organisation_with_budget_warning(cast):
    _series_, meeting, question, item, during = _held_meeting(cast)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 200), (cast.olaf, True, 30)], now=during)
    service.record_conclusion(cast.cas, item, conclusion="Advies", now=during)
    from ..factories import make_post

    make_post(cast.eva, question, "Nog een advies", now=during)
    make_post(cast.olaf, question, "Opvoedadvies", now=during)
    cast.eva.organisation.monthly_budget_minutes = 180
    db.session.flush()
    report = service.expert_hours(2026, 5)
    by_name = {e.user.name: e for e in report.experts}
    assert (by_name["Eva Deskundige"].minutes, by_name["Eva Deskundige"].advices) == (200, 1)
    assert (by_name["Olaf Deskundige"].minutes, by_name["Olaf Deskundige"].advices) == (30, 1)
    orgs = {o.organisation.name: o for o in report.organisations}
    assert orgs["Altrecht"].over_budget and not orgs["Youké"].over_budget
    assert orgs["Youké"].budget == 240  # the default
    assert service.expert_hours(2026, 6).experts == []
    csv_text = service.hours_csv(report)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("maand;organisatie;deskundige;minuten_overleg")
    assert "2026-05;Altrecht;Eva Deskundige;200;3,33;1;180;ja" in lines


def test_csv_cells_cannot_start_a_formula(cast):
    assert service._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert service._cell("Altrecht") == "Altrecht"


# --- triage and the collaboration models ------------------------------------------------


def test_network_model_notifies_all_experts_in_the_areas(cast, app):
    app.config["COLLABORATION_MODEL"] = "network"
    try:
        question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)
        assert service.route_new_question(question, now=NOW) == [cast.eva]
        assert _notified(cast.eva, "new_question_in_area")
        assert not _notified(cast.olaf)
    finally:
        app.config["COLLABORATION_MODEL"] = "network"


def test_team_model_notifies_the_standing_experts_of_the_teams_consultation(cast, app):
    _series(cast, experts=[cast.olaf])  # olaf is not in the question's area
    app.config["COLLABORATION_MODEL"] = "team"
    try:
        question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)
        assert service.route_new_question(question, now=NOW) == [cast.olaf]
        assert not _notified(cast.eva)
        other_team = make_question(cast.bram, areas=cast.eva.expertise_areas, now=NOW)
        assert service.route_new_question(other_team, now=NOW) == []
    finally:
        app.config["COLLABORATION_MODEL"] = "network"


def test_triage_model_puts_new_questions_in_the_queue_first(cast, app):
    app.config["COLLABORATION_MODEL"] = "triage"
    try:
        question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)
        assert service.route_new_question(question, now=NOW) == []
        assert not _notified(cast.eva)
        assert question in service.triage_queue()
    finally:
        app.config["COLLABORATION_MODEL"] = "network"


def test_unknown_collaboration_model_stops_the_app():
    from flask import Flask

    from expertise import ConfigError

    app = Flask(__name__)
    app.config["COLLABORATION_MODEL"] = "pool"
    with pytest.raises(ConfigError):
        service.init_app(app)


def test_triage_sharpening_question_goes_into_the_thread(cast):
    question = make_question(cast.anna, now=NOW)
    post = service.ask_sharpening_question(cast.cas, question, body="Gaat het om school of thuis?", now=NOW)
    assert post.question_id == question.id and not post.is_advice
    event = db.session.scalars(db.select(QuestionEvent).filter_by(question_id=question.id, kind="triage_sharpen")).one()
    assert event.actor_id == cast.cas.id
    assert _notified(cast.anna, "new_reply")
    assert question.id in service.sharpening_asked([question.id])
    assert question in service.triage_queue()  # still waiting for the family worker
    with pytest.raises(service.ConsultationError):
        service.ask_sharpening_question(cast.eva, question, body="x", now=NOW)


def test_triage_routes_to_named_experts(cast):
    question = make_question(cast.anna, now=NOW)
    service.route_to_experts(cast.cas, question, [cast.eva, cast.olaf], now=NOW)
    events = db.session.scalars(db.select(QuestionEvent).filter_by(question_id=question.id, kind="triage_routed")).all()
    assert {e.target_user_id for e in events} == {cast.eva.id, cast.olaf.id}
    assert _notified(cast.eva, "assigned") and _notified(cast.olaf, "assigned")
    assert question not in service.triage_queue()
    with pytest.raises(service.ConsultationError):
        service.route_to_experts(cast.cas, question, [cast.anna], now=NOW)
    with pytest.raises(service.ConsultationError):
        service.route_to_experts(cast.cas, question, [], now=NOW)


def test_triage_schedules_for_the_consultation(cast):
    series = _series(cast)
    question = make_question(cast.anna, now=NOW)
    item = service.schedule_for_consultation(cast.cas, question, service.next_meeting(series, NOW),
                                             note="Multidisciplinair", now=NOW)
    assert item.source == ItemSource.TRIAGE
    assert "triage_scheduled" in [e.kind for e in question.events]
    assert _notified(cast.anna, "consultation_update")
    assert question not in service.triage_queue()


def test_participants_are_coordinator_standing_and_invited_experts_and_owners(cast):
    series = _series(cast)
    meeting = service.next_meeting(series, NOW)
    assert set(service.participants(meeting)) == {cast.cas, cast.eva}
    service.nominate_question(cast.anna, make_question(cast.anna, now=NOW), meeting, note="x", now=NOW)
    assert set(service.participants(meeting)) == {cast.cas, cast.eva, cast.anna}
    assert service.can_see_meeting(cast.anna, meeting) and service.can_see_meeting(cast.eva, meeting)
    assert not service.can_see_meeting(cast.bram, meeting) and not service.can_see_meeting(cast.olaf, meeting)
    coordinator2 = make_user("Tweede Coördinator", [Role.COORDINATOR])
    assert service.can_see_meeting(coordinator2, meeting)
    assert not service.can_see_meeting(cast.mila, meeting)
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0
