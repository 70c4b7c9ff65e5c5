"""Triage that routes a question: its route and override, the triage workers and their live
counter, assignments (accept, decline, time-out), availability and capacity in the suggestions."""
from datetime import date, datetime, timedelta, timezone

import pytest

from expertise.consultations import service
from expertise.consultations.models import Assignment
from expertise.core.time import AMSTERDAM
from expertise.extensions import db, socketio
from expertise.insights import reminders
from expertise.questions.models import QuestionEvent
from expertise.realtime.models import Notification

from ..factories import make_assignment, make_question, make_series, make_user

# Monday 4 May 2026, 10:00 in Amsterdam (Liberation Day, 5 May 2026, is no public holiday: not a lustrum year).
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def emitted(app, monkeypatch):
    sent = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None: sent.append((event, data, to)))
    return sent


@pytest.fixture
def triage_model(app):
    app.config["COLLABORATION_MODEL"] = "triage"
    yield
    app.config["COLLABORATION_MODEL"] = "network"


def _notified(user, kind):
    return db.session.scalars(db.select(Notification).filter_by(user_id=user.id, kind=kind)).all()


def _kinds(question):
    return [e.kind for e in db.session.scalars(db.select(QuestionEvent).filter_by(question_id=question.id))]


def _triage_worker(cast, teams=()):
    cast.cas.triage_worker = True
    cast.cas.triage_teams = list(teams)
    db.session.commit()
    return cast.cas


# --- the route and its override ----------------------------------------------------------------


@pytest.mark.parametrize("route, told", [("network", "eva"), ("team", "olaf"), ("triage", "cas")])
def test_each_route_set_on_a_question_tells_its_people_and_shows_in_the_history(cast, route, told):
    make_series(cast.cas, teams=[cast.anna.team], experts=[cast.olaf])
    _triage_worker(cast)
    question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)  # network by default: eva heard
    db.session.query(Notification).delete()
    service.set_route(cast.cas, question, route, now=NOW)
    assert question.route == route and service.effective_route(question) == route
    assert f"route_{route}" in _kinds(question)
    person = getattr(cast, told)
    kind = "triage_waiting" if route == "triage" else "new_question_in_area"
    if person is cast.cas:
        # The coordinator set it: people are not told of their own actions; the queue has it.
        assert question in service.triage_queue(cast.cas)
    else:
        assert _notified(person, kind)
    assert (question in service.triage_queue()) == (route == "triage")


def test_the_deployment_model_is_the_default_and_a_question_overrides_it(cast, triage_model):
    question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)
    assert question.route is None and service.effective_route(question) == "triage"
    assert question in service.triage_queue()
    service.set_route(cast.cas, question, "network", now=NOW)
    assert service.effective_route(question) == "network"
    assert _notified(cast.eva, "new_question_in_area")
    assert question not in service.triage_queue()


def test_the_owner_may_ask_for_the_teams_consultation_and_nothing_else(cast):
    question = make_question(cast.anna, now=NOW)
    with pytest.raises(service.ConsultationError, match="nog geen wekelijks overleg"):
        service.set_route(cast.anna, question, "team", now=NOW)
    make_series(cast.cas, teams=[cast.anna.team], experts=[cast.olaf])
    with pytest.raises(service.ConsultationError):
        service.set_route(cast.anna, question, "triage", now=NOW)
    with pytest.raises(service.ConsultationError):
        service.set_route(cast.bram, question, "team", now=NOW)  # not the owner
    with pytest.raises(service.ConsultationError):
        service.set_route(cast.eva, question, "team", now=NOW)
    service.set_route(cast.anna, question, "team", now=NOW)
    assert question.route == "team"
    with pytest.raises(service.ConsultationError):
        service.set_route(cast.anna, question, "team", now=NOW)  # already
    with pytest.raises(service.ConsultationError):
        service.set_route(cast.cas, question, "pool", now=NOW)


def test_route_changes_through_http_show_in_the_thread(cast, login):
    question = make_question(cast.anna, now=NOW)
    db.session.commit()
    anna = login(cast.anna)
    assert "Vraag het expertiseteam van je buurtteam" not in anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    make_series(cast.cas, teams=[cast.anna.team], experts=[cast.olaf])
    db.session.commit()
    assert "Vraag het expertiseteam van je buurtteam" in anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert anna.post(f"/vragen/{question.id}/route", {"route-route": "team"}).status_code == 302
    refused = anna.post(f"/vragen/{question.id}/route", {"route-route": "network"}, follow_redirects=True)
    assert "Je kunt alleen het overleg van je buurtteam vragen." in refused.get_data(as_text=True)
    assert login(cast.bram).post(f"/vragen/{question.id}/route", {"route-route": "team"}).status_code == 404  # not his team
    cas = login(cast.cas)
    bad = cas.post(f"/vragen/{question.id}/route", {"route-route": "pool"})
    assert bad.status_code == 200 and 'id="route-route-error"' in bad.get_data(as_text=True)
    db.session.refresh(question)
    assert question.route == "team"
    assert cas.post(f"/vragen/{question.id}/route", {"route-route": "triage"}).status_code == 302
    thread = login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Anna Gezinswerker heeft de route gewijzigd: expertiseteam van het buurtteam." in thread
    assert "Cas Coordinator heeft de route gewijzigd: triage." in thread


# --- the triage workers are told, with a live counter ------------------------------------------


def test_triage_workers_of_the_team_are_told_and_their_counter_goes_up_after_commit(cast, triage_model, emitted):
    _triage_worker(cast, teams=[cast.anna.team])
    other = make_user("Tom Triagist", ["coordinator"], email="tom@example.test")
    other.triage_worker = True
    other.triage_teams = [cast.bram.team]
    plain = make_user("Cor Coordinator", ["coordinator"], email="cor@example.test")
    db.session.commit()
    question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)
    assert not [e for e in emitted if e[0] == "triage_count"]  # nothing before the commit
    db.session.commit()
    assert _notified(cast.cas, "triage_waiting")
    assert not _notified(other, "triage_waiting") and not _notified(plain, "triage_waiting")
    assert not _notified(cast.eva, "new_question_in_area")
    counts = {to: data for event, data, to in emitted if event == "triage_count"}
    assert counts[f"user:{cast.cas.id}"] == {"event": "triage_count", "count": 1}
    assert counts[f"user:{other.id}"] == {"event": "triage_count", "count": 0}  # not his team
    assert set(counts[f"user:{cast.cas.id}"]) == {"event", "count"}  # ids and counts only, no identity
    assert service.triage_count(cast.cas) == 1 and service.triage_count(plain) == 0
    assert service.triage_queue(other) == []


def test_without_any_triage_worker_every_coordinator_is_told(cast, triage_model):
    question = make_question(cast.anna, now=NOW)
    assert _notified(cast.cas, "triage_waiting")
    assert question in service.triage_queue(cast.cas)


def test_the_menu_counts_the_queue_for_a_triage_worker(cast, login, triage_model):
    _triage_worker(cast)
    make_question(cast.anna, now=NOW)
    db.session.commit()
    page = login(cast.cas).get("/triage").get_data(as_text=True)
    assert 'data-live-badge="triage"><span data-live-count>1</span>' in page


def test_a_coordinator_sets_the_triage_flag_and_teams(cast, login):
    client = login(cast.cas)
    assert client.post("/triage/instellingen", {"triage_worker": "y", "teams": [str(cast.anna.team_id)]}).status_code == 302
    db.session.refresh(cast.cas)
    assert cast.cas.triage_worker and [t.id for t in cast.cas.triage_teams] == [cast.anna.team_id]
    client.post("/triage/instellingen", {})
    db.session.refresh(cast.cas)
    assert not cast.cas.triage_worker and cast.cas.triage_teams == []


def test_a_question_waiting_past_half_its_norm_in_triage_escalates_once(cast, triage_model):
    _triage_worker(cast, teams=[cast.anna.team])
    plain = make_user("Cor Coordinator", ["coordinator"], email="cor@example.test")
    question = make_question(cast.anna, now=NOW)  # normal: 2 working days, so 24 working hours for triage
    db.session.commit()
    assert reminders.run_reminders(NOW + timedelta(hours=23, minutes=59))["triage_escalated"] == 0
    assert reminders.run_reminders(NOW + timedelta(hours=24))["triage_escalated"] == 1
    assert _notified(cast.cas, "triage_escalated") and _notified(plain, "triage_escalated")
    assert reminders.run_reminders(NOW + timedelta(hours=30))["triage_escalated"] == 0  # once
    assert question in service.triage_queue()


# --- assignments: accept, decline, time-out ----------------------------------------------------


def test_accepting_shows_the_owner_who_is_on_it_and_when(cast, login):
    question = make_question(cast.anna, areas=cast.eva.expertise_areas, now=NOW)
    assignment = make_assignment(cast.cas, question, cast.eva, now=NOW)
    assert _notified(cast.eva, "assigned")
    assert question not in service.triage_queue()
    with pytest.raises(service.ConsultationError):
        service.accept_assignment(cast.olaf, assignment, expected_on=date(2026, 5, 6), now=NOW)
    with pytest.raises(service.ConsultationError):
        service.accept_assignment(cast.eva, assignment, expected_on=date(2026, 5, 3), now=NOW)  # yesterday
    service.accept_assignment(cast.eva, assignment, expected_on=date(2026, 5, 6), now=NOW)
    assert assignment.status == "accepted"
    assert _notified(cast.anna, "assignment_accepted")
    with pytest.raises(service.ConsultationError):
        service.decline_assignment(cast.eva, assignment, reason="no_time", now=NOW)  # answered already
    db.session.commit()
    page = login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Eva Deskundige (Altrecht):" in page and "advies verwacht op woensdag 6 mei 2026" in page
    assert "Eva Deskundige pakt de vraag op." in page


def test_declining_sends_the_question_back_to_the_triage_worker(cast):
    question = make_question(cast.anna, now=NOW)
    assignment = make_assignment(cast.cas, question, cast.olaf, now=NOW)
    with pytest.raises(service.ConsultationError):
        service.decline_assignment(cast.olaf, assignment, reason="", now=NOW)
    service.decline_assignment(cast.olaf, assignment, reason="outside_expertise", now=NOW)
    assert assignment.status == "declined" and assignment.decline_reason_label == "Valt buiten mijn expertise"
    assert _notified(cast.cas, "assignment_returned")
    assert "assignment_declined" in _kinds(question)
    assert question in service.triage_queue()


def test_an_assignment_not_accepted_within_one_working_day_goes_back(cast):
    friday = datetime(2026, 5, 8, 13, 0, tzinfo=timezone.utc)  # Friday 15:00
    question = make_question(cast.anna, now=friday)
    assignment = make_assignment(cast.cas, question, cast.eva, now=friday)
    assert assignment.respond_by == datetime(2026, 5, 11, 13, 0, tzinfo=timezone.utc)  # Monday 15:00
    db.session.commit()
    assert service.expire_assignments(datetime(2026, 5, 11, 12, 59, tzinfo=timezone.utc)) == []
    assert reminders.run_reminders(datetime(2026, 5, 11, 13, 0, tzinfo=timezone.utc))["assignments_expired"] == 1
    assert assignment.status == "expired"
    assert _notified(cast.cas, "assignment_returned")
    assert "assignment_expired" in _kinds(question)
    assert question in service.triage_queue()
    assert reminders.run_reminders(datetime(2026, 5, 11, 14, 0, tzinfo=timezone.utc))["assignments_expired"] == 0


def test_accept_and_decline_through_http_keep_the_input_on_errors(cast, login):
    question = make_question(cast.anna, areas=cast.eva.expertise_areas)
    make_assignment(cast.cas, question, cast.eva)
    db.session.commit()
    eva = login(cast.eva)
    listing = eva.get("/vragen").get_data(as_text=True)
    assert listing.index("Aan mij toegewezen") < listing.index("Zoeken in titel en tekst")
    assert f"/vragen/{question.id}/toewijzing" in listing
    bad = eva.post(f"/vragen/{question.id}/toewijzing/oppakken", {"oppakken-expected_on": "2020-01-01"})
    assert bad.status_code == 200 and 'value="2020-01-01"' in bad.get_data(as_text=True)
    assert "Kies een datum vanaf vandaag" in bad.get_data(as_text=True)
    assert db.session.scalars(db.select(Assignment)).one().status == "assigned"  # nothing half-written
    missing = eva.post(f"/vragen/{question.id}/toewijzing/afwijzen", {"afwijzen-reason": ""})
    assert missing.status_code == 200 and "Kies een reden." in missing.get_data(as_text=True)
    # Someone else's assignment does not exist for them.
    assert login(cast.olaf).get(f"/vragen/{question.id}/toewijzing").status_code == 404
    assert eva.post(f"/vragen/{question.id}/toewijzing/afwijzen", {"afwijzen-reason": "no_time"}).status_code == 302
    assert eva.get(f"/vragen/{question.id}/toewijzing").status_code == 404  # answered: gone


def test_routing_through_http_without_experts_says_so_at_the_field(cast, login):
    question = make_question(cast.anna)
    db.session.commit()
    response = login(cast.cas).post(f"/vragen/{question.id}/triage/doorverwijzen", {})
    assert response.status_code == 200 and "Kies minstens één deskundige." in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Assignment)).all() == []


# --- availability and capacity in the suggestions ----------------------------------------------


def test_suggestions_prefer_available_experts_with_capacity_in_the_areas_and_say_why(cast):
    ggz = cast.eva.expertise_areas
    ines = make_user("Ines Deskundige", ["expert"], email="ines@example.test", organisation=cast.eva.organisation,
                     areas=ggz)
    joost = make_user("Joost Deskundige", ["expert"], email="joost@example.test", organisation=cast.eva.organisation,
                      areas=ggz)
    service.set_availability(cast.eva, absent_until=date(2026, 5, 15), monthly_capacity=None, now=NOW)
    service.set_availability(ines, absent_until=None, monthly_capacity=1, now=NOW)
    make_assignment(cast.cas, make_question(cast.bram, areas=ggz, now=NOW), ines, now=NOW)  # ines is full now
    question = make_question(cast.anna, areas=ggz, now=NOW)
    ranked = service.suggest_experts(question, now=NOW)
    names = [s.expert.name for s in ranked]
    assert names[0] == "Joost Deskundige" and ranked[0].recommended
    assert names.index("Olaf Deskundige") > names.index("Joost Deskundige")  # not in the areas
    by_name = {s.expert.name: s for s in ranked}
    assert "Afwezig tot en met 15 mei 2026" in by_name["Eva Deskundige"].reasons
    assert "Vol: 1 van 1 deze maand" in by_name["Ines Deskundige"].reasons
    assert "Expertise: GGZ / psychiatrie" in by_name["Joost Deskundige"].reasons
    assert not by_name["Eva Deskundige"].recommended and not by_name["Ines Deskundige"].recommended
    # Back from absence (the day after) and a new month with room again.
    later = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
    again = {s.expert.name: s for s in service.suggest_experts(question, now=later)}
    assert again["Eva Deskundige"].recommended and again["Ines Deskundige"].recommended


def test_availability_form_checks_its_fields_and_keeps_the_input(cast, login):
    client = login(cast.eva)
    bad = client.post("/beschikbaarheid", {"absent_until": "2001-01-01", "monthly_capacity": "500"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Tussen 0 en 100." in text and 'value="500"' in text
    today = datetime.now(AMSTERDAM).date()
    assert client.post("/beschikbaarheid", {"absent_until": (today + timedelta(days=3)).isoformat(),
                                            "monthly_capacity": "5"}).status_code == 302
    db.session.refresh(cast.eva)
    assert cast.eva.absent_until == today + timedelta(days=3) and cast.eva.monthly_capacity == 5
    past = client.post("/beschikbaarheid", {"absent_until": (today - timedelta(days=1)).isoformat()})
    assert past.status_code == 200 and "Kies een datum vanaf vandaag en binnen een jaar." in past.get_data(as_text=True)
    db.session.refresh(cast.eva)
    assert cast.eva.monthly_capacity == 5  # nothing half-written
