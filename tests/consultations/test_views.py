"""Consultation pages through HTTP: series, nomination, agenda, attendance, conclusions, hours, triage."""
from datetime import timedelta

import pytest

from expertise.consultations import service
from expertise.consultations.models import AgendaItem, Attendance, Consultation, Meeting
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.questions.models import Post, QuestionEvent
from expertise.realtime.models import Notification

from ..factories import make_nomination, make_question, make_series


@pytest.fixture
def world(cast):
    """cas's series for anna's team with eva; anna's question nominated for the next meeting."""
    series = make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva])
    question = make_question(cast.anna, areas=cast.eva.expertise_areas, child_age=9)
    item = make_nomination(cast.anna, question, series, note="Wat is een goede volgende stap?")
    db.session.commit()
    return series, question, item


def _start_now(meeting):
    """Let the meeting have begun ten minutes ago (tests of what happens during it)."""
    meeting.starts_at = utcnow() - timedelta(minutes=10)
    meeting.ends_at = meeting.starts_at + timedelta(minutes=90)
    db.session.commit()


def test_coordinator_creates_a_weekly_series(cast, login):
    client = login(cast.cas)
    response = client.post("/overleg/nieuw", {
        "name": "Wekelijks overleg Zuilen", "weekday": "3", "start_time": "14:00", "duration_minutes": "90",
        "recurrence": "weekly", "place": "Wijkbureau", "video_url": "https://video.example.test/overleg",
        "agenda_closes_hours": "24", "teams": [str(cast.anna.team_id)], "experts": [str(cast.eva.id)],
    })
    assert response.status_code == 302
    series = db.session.scalars(db.select(Consultation)).one()
    assert series.teams == [cast.anna.team] and series.experts == [cast.eva]
    assert db.session.scalar(db.select(db.func.count(Meeting.id)).filter_by(consultation_id=series.id)) >= 8
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Komende bijeenkomsten" in page


def test_series_form_shows_errors(cast, login):
    response = login(cast.cas).post("/overleg/nieuw", {
        "name": "Zonder plaats", "weekday": "3", "start_time": "14:00", "duration_minutes": "90",
        "recurrence": "weekly", "agenda_closes_hours": "24",
    })
    assert response.status_code == 200
    assert "Vul een plaats of een videolink in." in response.get_data(as_text=True)


def test_family_worker_nominates_her_question(cast, login):
    make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva])
    question = make_question(cast.anna)
    db.session.commit()
    client = login(cast.anna)
    page = client.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Agenderen voor het wekelijks overleg" in page
    form = client.get(f"/vragen/{question.id}/agenderen").get_data(as_text=True)
    meeting_id = service.next_meeting(db.session.scalars(db.select(Consultation)).one(), utcnow(), open_only=True).id
    assert f'value="{meeting_id}"' in form
    response = client.post(f"/vragen/{question.id}/agenderen", {"meeting": meeting_id, "note": "Welke hulp past?"})
    assert response.status_code == 302
    item = db.session.scalars(db.select(AgendaItem)).one()
    assert item.question_id == question.id and item.discussion_note == "Welke hulp past?"
    thread = client.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "heeft de vraag aangemeld voor het wekelijks overleg" in thread


def test_only_the_owner_nominates(cast, login, world):
    _series, question, _item = world
    assert login(cast.bram).get(f"/vragen/{question.id}/agenderen").status_code == 404  # cannot see it
    assert login(cast.eva).get(f"/vragen/{question.id}/agenderen").status_code == 403  # sees it, not hers


def test_participants_see_the_agenda_others_get_404(cast, login, world):
    _series, question, item = world
    url = f"/overleg/bijeenkomsten/{item.meeting_id}"
    for person in (cast.anna, cast.eva, cast.cas):
        page = login(person).get(url).get_data(as_text=True)
        assert f"#{question.id} {question.title}" in page
        assert "GGZ / psychiatrie" in page and "9 jaar" in page
    for person in (cast.bram, cast.olaf):
        assert login(person).get(url).status_code == 404
        assert login(person).get(url + "/uitnodiging.ics").status_code == 404
    assert "Agenda opslaan" in login(cast.cas).get(url).get_data(as_text=True)
    assert "Agenda opslaan" not in login(cast.eva).get(url).get_data(as_text=True)
    # The overview lists the meeting for participants only.
    assert url in login(cast.eva).get("/overleg").get_data(as_text=True)
    assert url not in login(cast.olaf).get("/overleg").get_data(as_text=True)


def test_coordinator_arranges_the_agenda_and_invites_experts(cast, login, world):
    _series, question, item = world
    second = service.add_to_agenda(cast.cas, make_question(cast.anna, title="Tweede vraag"), item.meeting,
                                   now=utcnow())
    db.session.commit()
    client = login(cast.cas)
    response = client.post(f"/overleg/bijeenkomsten/{item.meeting_id}/agenda", {
        f"positie-{item.id}": "2", f"minuten-{item.id}": "30",
        f"positie-{second.id}": "1", f"minuten-{second.id}": "20",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.id for i in db.session.get(Meeting, item.meeting_id).items] == [second.id, item.id]
    assert db.session.get(AgendaItem, item.id).slot_minutes == 30
    response = client.post(f"/overleg/agendapunten/{item.id}/deskundigen", {"area": cast.olaf.expertise_areas[0].id})
    assert response.status_code == 302
    assert login(cast.olaf).get(f"/overleg/bijeenkomsten/{item.meeting_id}").status_code == 200
    second_id = second.id
    client.post(f"/overleg/agendapunten/{second_id}/verwijderen")
    db.session.expire_all()
    assert db.session.get(AgendaItem, second_id) is None


def test_attendance_and_conclusion_flow_back_to_the_question(cast, login, world):
    _series, question, item = world
    _start_now(item.meeting)
    client = login(cast.cas)
    page = client.get(f"/overleg/agendapunten/{item.id}/conclusie").get_data(as_text=True)
    assert "Leg eerst de aanwezigheid vast" in page
    response = client.post(f"/overleg/bijeenkomsten/{item.meeting_id}/aanwezigheid", {
        f"aanwezig-{cast.eva.id}": "1", f"minuten-{cast.eva.id}": "75",
        f"aanwezig-{cast.anna.id}": "1", f"minuten-{cast.anna.id}": "15",
        f"minuten-{cast.cas.id}": "0",
    })
    assert response.status_code == 302
    rows = {r.user_id: r for r in db.session.scalars(db.select(Attendance))}
    assert rows[cast.eva.id].minutes == 75 and not rows[cast.cas.id].present
    response = client.post(f"/overleg/agendapunten/{item.id}/conclusie", {"conclusion": "Vraag een GGZ-consult aan."})
    assert response.status_code == 302
    post = db.session.scalars(db.select(Post)).one()
    assert post.author_id == cast.cas.id
    thread = login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Advies uit het wekelijks overleg van" in thread
    assert "Vraag een GGZ-consult aan." in thread and "Eva Deskundige (Altrecht)" in thread
    assert db.session.scalars(db.select(Notification).filter_by(user_id=cast.anna.id, kind="new_advice")).one()
    # Closing the meeting: nothing left to roll over.
    assert client.post(f"/overleg/bijeenkomsten/{item.meeting_id}/afronden").status_code == 302
    assert db.session.get(Meeting, item.meeting_id).status == "held"


def test_closing_rolls_undiscussed_items_over(cast, login, world):
    _series, question, item = world
    _start_now(item.meeting)
    login(cast.cas).post(f"/overleg/bijeenkomsten/{item.meeting_id}/afronden")
    db.session.expire_all()
    items = db.session.scalars(db.select(AgendaItem).filter_by(question_id=question.id).order_by(AgendaItem.id)).all()
    assert [i.status for i in items] == ["rolled_over", "planned"]
    assert items[1].meeting_id != item.meeting_id and items[1].source == "rollover"
    thread = login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "doorgeschoven naar het volgende overleg" in thread


def test_holiday_skip_through_the_series_page(cast, login, world):
    series, _question, item = world
    day = item.meeting.meeting_date
    response = login(cast.cas).post(f"/overleg/{series.id}/overslaan", {"skip_date": day.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, item.meeting_id).status == "cancelled"


def test_hours_page_and_csv(cast, login, world):
    _series, _question, item = world
    _start_now(item.meeting)
    service.record_attendance(cast.cas, item.meeting, [(cast.eva, True, 300)], now=utcnow())
    db.session.commit()
    month = item.meeting.meeting_date.strftime("%Y-%m")
    client = login(cast.cas)
    page = client.get(f"/overleg/uren?maand={month}").get_data(as_text=True)
    assert "Eva Deskundige" in page and "Boven het budget" in page  # 300 > 240
    response = client.get(f"/overleg/uren.csv?maand={month}")
    assert response.mimetype == "text/csv"
    assert "Altrecht;Eva Deskundige;300;5,00" in response.get_data(as_text=True)
    client.post(f"/overleg/uren/budget/{cast.eva.organisation_id}", {"minutes": "600"})
    assert "Boven het budget" not in client.get(f"/overleg/uren?maand={month}").get_data(as_text=True)


# --- triage through HTTP -------------------------------------------------------------------------


def test_the_triage_page_shows_the_question_text_but_never_the_identity(cast, login):
    from ..factories import IDENTITY, make_resident

    resident = make_resident(cast.anna)
    question = make_question(cast.anna, title="Vraag met tekst", situation="Vader werkt **nachtdiensten**.",
                             request="Hoe houden we de ochtenden rustig?", resident=resident)
    db.session.commit()
    page = login(cast.cas).get(f"/vragen/{question.id}/triage").get_data(as_text=True)
    assert "Vader werkt <strong>nachtdiensten</strong>." in page
    assert "Hoe houden we de ochtenden rustig?" in page
    assert IDENTITY["name"] not in page and IDENTITY["file_number"] not in page


def test_triage_actions_are_recorded_in_the_thread(cast, login, world):
    _series, _question, item = world
    question = make_question(cast.anna, title="Nieuwe vraag voor triage")
    db.session.commit()
    client = login(cast.cas)
    assert "Nieuwe vraag voor triage" in client.get("/triage").get_data(as_text=True)
    assert client.get(f"/vragen/{question.id}/triage").status_code == 200
    client.post(f"/vragen/{question.id}/triage/verduidelijken", {"vraag-body": "Speelt dit thuis of op school?"})
    client.post(f"/vragen/{question.id}/triage/doorverwijzen", {"route-experts": [str(cast.olaf.id)]})
    client.post(f"/vragen/{question.id}/triage/agenderen", {"agenda-meeting": item.meeting_id, "agenda-note": ""})
    kinds = [e.kind for e in db.session.scalars(db.select(QuestionEvent).filter_by(question_id=question.id))]
    assert {"triage_sharpen", "triage_routed", "triage_scheduled"} <= set(kinds)
    thread = login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Speelt dit thuis of op school?" in thread
    assert "heeft een verduidelijkingsvraag gesteld" in thread
    assert "heeft de vraag doorverwezen naar Olaf Deskundige" in thread
    assert "heeft de vraag geagendeerd voor het wekelijks overleg" in thread
    assert "Nieuwe vraag voor triage" not in client.get("/triage").get_data(as_text=True)


QUESTION_FORM = {
    "title": "Vraag via het formulier", "situation": "Situatie", "request": "Verzoek", "child_age": "7",
    "urgency": "normal", "visibility": "team", "family_consent": "y", "actie": "plaatsen",
}


@pytest.mark.parametrize("model, expected", [("network", {"eva"}), ("triage", set()), ("team", {"olaf"})])
def test_new_questions_reach_experts_per_deployment_model(cast, login, app, model, expected):
    make_series(cast.cas, teams=[cast.anna.team], experts=[cast.olaf])
    db.session.commit()
    app.config["COLLABORATION_MODEL"] = model
    try:
        response = login(cast.anna).post("/vragen/nieuw", {**QUESTION_FORM, "areas": [str(cast.eva.expertise_areas[0].id)]})
    finally:
        app.config["COLLABORATION_MODEL"] = "network"
    assert response.status_code == 302
    notified = {n.user_id for n in db.session.scalars(db.select(Notification).filter_by(kind="new_question_in_area"))}
    names = {"eva": cast.eva.id, "olaf": cast.olaf.id}
    assert notified == {names[n] for n in expected}
    if model == "triage":
        assert "Vraag via het formulier" in login(cast.cas).get("/triage").get_data(as_text=True)


def test_a_draft_notifies_nobody_until_it_is_posted(cast, login):
    client = login(cast.anna)
    area = str(cast.eva.expertise_areas[0].id)
    client.post("/vragen/nieuw", {**QUESTION_FORM, "areas": [area], "actie": "concept"})
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    from expertise.questions.models import Question

    question = db.session.scalars(db.select(Question)).one()
    client.post(f"/vragen/{question.id}/bewerken", {**QUESTION_FORM, "areas": [area]})
    assert db.session.scalars(db.select(Notification).filter_by(user_id=cast.eva.id)).one()
    client.post(f"/vragen/{question.id}/bewerken", {**QUESTION_FORM, "areas": [area], "title": "Nieuwe titel"})
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1
