"""Norms that act and reminders that close the loop: each goes out once, at the right moment."""
from datetime import timedelta

import pytest

from expertise.extensions import db
from expertise.insights import reminders, service
from expertise.insights.models import FollowUp
from expertise.questions import service as questions
from expertise.realtime.models import Notification

from .. import factories
from .world import ams


def notified(kind):
    return sorted((n.user_id, n.question_id) for n in db.session.scalars(db.select(Notification).filter_by(kind=kind)))


@pytest.fixture
def friday_question(cast):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas, now=ams(2026, 11, 20, 10, 0))
    db.session.commit()
    return question


def test_coordinators_hear_once_when_a_question_passes_its_norm(cast, friday_question):
    second = factories.make_user("Cor Coordinator", ["coordinator"])
    db.session.commit()
    assert reminders.run_reminders(ams(2026, 11, 24, 9, 59))["norm_passed"] == 0  # due Tuesday 10:00
    assert reminders.run_reminders(ams(2026, 11, 24, 10, 0))["norm_passed"] == 1
    db.session.commit()
    assert notified("norm_passed") == sorted([(cast.cas.id, friday_question.id), (second.id, friday_question.id)])
    assert reminders.run_reminders(ams(2026, 11, 24, 11, 0))["norm_passed"] == 0  # once
    db.session.commit()
    assert len(notified("norm_passed")) == 2


def test_a_norm_skips_public_holidays_before_it_acts(cast):
    # Thursday 24 December 16:00, urgent: due Monday 28 December 16:00 (Christmas, weekend).
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas, urgency="urgent",
                                       now=ams(2026, 12, 24, 16, 0))
    db.session.commit()
    assert question.advice_due_at == ams(2026, 12, 28, 16, 0)
    assert reminders.run_reminders(ams(2026, 12, 27, 23, 0))["norm_passed"] == 0
    assert reminders.run_reminders(ams(2026, 12, 28, 16, 0))["norm_passed"] == 1


def test_an_advised_question_is_not_reported_as_past_its_norm(cast, friday_question):
    factories.make_post(cast.eva, friday_question, now=ams(2026, 11, 23, 9, 0))
    db.session.commit()
    assert reminders.run_reminders(ams(2026, 11, 30, 10, 0))["norm_passed"] == 0


def test_the_owner_is_reminded_once_to_close_ten_days_after_advice(cast, friday_question):
    factories.make_post(cast.eva, friday_question, now=ams(2026, 11, 23, 9, 0))
    db.session.commit()
    assert reminders.run_reminders(ams(2026, 12, 3, 8, 59))["close_reminders"] == 0
    assert reminders.run_reminders(ams(2026, 12, 3, 9, 0))["close_reminders"] == 1
    db.session.commit()
    assert notified("close_reminder") == [(cast.anna.id, friday_question.id)]
    assert reminders.run_reminders(ams(2026, 12, 10, 9, 0))["close_reminders"] == 0


def test_a_closed_question_gets_no_close_reminder(cast, friday_question):
    advice = factories.make_post(cast.eva, friday_question, now=ams(2026, 11, 23, 9, 0))
    questions.close_question(cast.anna, friday_question, outcome="followed", explanation="Gedaan.",
                             ratings={advice.id: 4}, now=ams(2026, 11, 25, 9, 0))
    db.session.commit()
    assert reminders.run_reminders(ams(2026, 12, 10, 9, 0))["close_reminders"] == 0


def _closed(cast, question, when):
    advice = factories.make_post(cast.eva, question, now=when - timedelta(days=1))
    questions.close_question(cast.anna, question, outcome="partly", explanation="Deels gedaan.",
                             ratings={advice.id: 3}, now=when)
    db.session.commit()


def test_eight_weeks_after_closing_the_owner_is_asked_once_how_it_went(cast, friday_question):
    closed = ams(2026, 11, 25, 9, 0)
    _closed(cast, friday_question, closed)
    assert reminders.run_reminders(closed + timedelta(weeks=8) - timedelta(minutes=1))["follow_ups"] == 0
    assert reminders.run_reminders(closed + timedelta(weeks=8))["follow_ups"] == 1
    db.session.commit()
    assert notified("follow_up_request") == [(cast.anna.id, friday_question.id)]
    assert reminders.run_reminders(closed + timedelta(weeks=9))["follow_ups"] == 0


def test_questions_closed_long_ago_are_not_asked_on_a_first_run(cast, friday_question):
    _closed(cast, friday_question, ams(2026, 11, 25, 9, 0))
    assert reminders.run_reminders(ams(2026, 11, 25, 9, 0) + timedelta(weeks=13))["follow_ups"] == 0


def test_the_owner_answers_the_follow_up_and_the_advising_expert_sees_it(cast, login):
    follow_up = factories.make_follow_up(cast.anna, cast.eva)
    db.session.commit()
    url = f"/vragen/{follow_up.question_id}/vervolg"
    anna = login(cast.anna)
    assert "Hoe is het verder gegaan?" in anna.get(url).get_data(as_text=True)
    # A choice missing: a clear error, nothing stored.
    response = anna.post(url, {"situation": "improved"})
    assert response.status_code == 200
    assert "Kies of een verwijzing is voorkomen." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).answered_at is None

    assert anna.post(url, {"situation": "improved", "referral": "avoided"}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(FollowUp, follow_up.id)
    assert (stored.situation, stored.referral) == ("improved", "avoided")
    assert notified("follow_up_answered") == [(cast.eva.id, follow_up.question_id)]
    # Once: a second answer changes nothing.
    anna.post(url, {"situation": "worse", "referral": "not_avoided"})
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).situation == "improved"

    question_page = f"/vragen/{follow_up.question_id}"
    assert "Een verwijzing naar specialistische zorg is voorkomen." in login(cast.eva).get(question_page).get_data(as_text=True)
    assert "Een verwijzing naar specialistische zorg is voorkomen." not in login(cast.olaf).get(question_page).get_data(as_text=True)
    assert "Een verwijzing naar specialistische zorg is voorkomen." in anna.get(question_page).get_data(as_text=True)


def test_only_the_owner_opens_the_follow_up_and_only_once_asked(cast, login):
    follow_up = factories.make_follow_up(cast.anna, cast.eva)
    colleague = factories.make_user("Carla Collega", ["family_worker"], team=cast.anna.team)
    not_asked = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    # As every owner-only page of a question (access_owned_question): 403 when one sees the question.
    assert login(colleague).get(f"/vragen/{follow_up.question_id}/vervolg").status_code == 403
    assert login(cast.bram).get(f"/vragen/{follow_up.question_id}/vervolg").status_code == 404
    assert login(cast.anna).get(f"/vragen/{not_asked.id}/vervolg").status_code == 404


def test_follow_up_answers_feed_the_dashboard(cast):
    period = service.month_period(2026, 12)
    for situation, referral in [("improved", "avoided"), ("improved", "avoided"), ("unchanged", "not_avoided"),
                                ("worse", "unknown"), ("improved", "avoided"), ("improved", "avoided"),
                                ("unchanged", "avoided")]:
        follow_up = factories.make_follow_up(cast.anna, cast.eva, now=ams(2026, 12, 2, 9, 0))
        question = db.session.get(questions.Question, follow_up.question_id)
        reminders.answer_follow_up(cast.anna, question, follow_up, situation=situation, referral=referral,
                                   now=ams(2026, 12, 3, 9, 0))
    db.session.commit()
    answered, improved, avoided = service.follow_up_figures(period, service.Filters())
    assert (answered.text, improved.text, avoided.text) == ("7", "57%", "83%")  # 4 of 7; 5 of 6 known
    assert service.follow_up_figures(service.month_period(2026, 11), service.Filters())[0].text == "0"


def test_urgent_questions_are_emailed_to_the_matching_experts_at_once(cast):
    urgent = factories.make_question(cast.anna, areas=cast.eva.expertise_areas, urgency="urgent")
    normal = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    rows = {n.question_id: n for n in db.session.scalars(db.select(Notification).filter_by(user_id=cast.eva.id))}
    assert rows[urgent.id].kind == "urgent_question_in_area" and rows[urgent.id].emailed_at is not None
    assert rows[normal.id].kind == "new_question_in_area" and rows[normal.id].emailed_at is None  # daily digest


def test_run_reminders_command_is_idempotent(app, cast, monkeypatch):
    from expertise.core import time as core_time

    factories.make_question(cast.anna, areas=cast.eva.expertise_areas, now=ams(2026, 11, 20, 10, 0))
    db.session.commit()
    monkeypatch.setattr(core_time, "utcnow", lambda: ams(2026, 11, 25, 10, 0))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["insights", "run-reminders"])
    assert first.exit_code == 0, first.output
    assert "1 question(s) past the norm, 0 close reminder(s), 0 follow-up question(s)." in first.output
    second = runner.invoke(args=["insights", "run-reminders"])
    assert "0 question(s) past the norm" in second.output
    assert len(notified("norm_passed")) == 1
