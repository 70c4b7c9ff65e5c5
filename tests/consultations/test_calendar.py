"""Invitations as .ics and the personal calendar feed: time zone, updates, secrecy, no identity."""
import logging
import re
from datetime import time

import pytest
from icalendar import Calendar

from expertise.consultations import service
from expertise.consultations.models import CalendarFeed
from expertise.core.logs import redact
from expertise.core.time import utcnow
from expertise.extensions import db

from ..factories import IDENTITY, make_nomination, make_question, make_resident, make_series


@pytest.fixture
def world(cast):
    series = make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva], video_url="https://video.example.test/x")
    question = make_question(cast.anna, title="Somberheid en schoolverzuim")
    item = make_nomination(cast.anna, question, series)
    db.session.commit()
    return series, question, item


def _token(page):
    return re.search(r"localhost/agenda-feed/([A-Za-z0-9_-]{20,})", page).group(1)


def _event(payload):
    calendar = Calendar.from_ical(payload)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_ics_parses_with_amsterdam_time_zone(cast, login, world):
    _series, question, item = world
    response = login(cast.eva).get(f"/overleg/bijeenkomsten/{item.meeting_id}/uitnodiging.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar, event = _event(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.decoded("DTSTART").replace(tzinfo=None).time() == time(14, 0)
    assert event.decoded("DTSTART") == item.meeting.starts_at
    assert str(event["SUMMARY"]) == "Wekelijks overleg Noordwest"
    assert f"#{question.id} Somberheid en schoolverzuim" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"overleg-{item.meeting_id}@localhost"


def test_ics_reminds_half_an_hour_before_the_meeting(cast, login, world):
    from datetime import timedelta

    _series, _question, item = world
    _calendar, event = _event(login(cast.eva).get(f"/overleg/bijeenkomsten/{item.meeting_id}/uitnodiging.ics").data)
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=30)
    assert str(alarm["DESCRIPTION"]) == "Wekelijks overleg Noordwest begint over 30 minuten"


def test_ics_contains_no_identity(cast, login, world):
    _series, _question, item = world
    make_resident(cast.anna)
    db.session.commit()
    payload = login(cast.eva).get(f"/overleg/bijeenkomsten/{item.meeting_id}/uitnodiging.ics").get_data(as_text=True)
    for secret in (IDENTITY["name"], "Janneke", IDENTITY["file_number"], "2010-05-03",
                   cast.anna.name, cast.anna.email, cast.eva.email):
        assert secret not in payload
    assert "ATTENDEE" not in payload and "ORGANIZER" not in payload


def test_time_change_updates_sequence_and_dtstart(cast, login, world):
    series, _question, item = world
    client = login(cast.eva)
    url = f"/overleg/bijeenkomsten/{item.meeting_id}/uitnodiging.ics"
    _cal, before = _event(client.get(url).data)
    service.update_series(cast.cas, series, name=series.name, weekday=series.weekday, start_time=time(10, 15),
                          duration_minutes=60, place=series.place, video_url=series.video_url, teams=series.teams,
                          experts=series.experts, now=utcnow())
    db.session.commit()
    _cal, after = _event(client.get(url).data)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART").replace(tzinfo=None).time() == time(10, 15)
    assert after["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert (after.decoded("DTEND") - after.decoded("DTSTART")).seconds == 3600


def test_agenda_change_raises_sequence(cast, world):
    _series, _question, item = world
    before = item.meeting.sequence
    service.arrange_agenda(cast.cas, item.meeting, {item.id: (1, 25)}, now=utcnow())
    assert item.meeting.sequence == before + 1


def test_cancelled_meeting_is_marked_cancelled(cast, login, world):
    series, _question, item = world
    service.skip_date(cast.cas, series, item.meeting.meeting_date, now=utcnow())
    db.session.commit()
    _cal, event = _event(login(cast.eva).get(f"/overleg/bijeenkomsten/{item.meeting_id}/uitnodiging.ics").data)
    assert str(event["STATUS"]) == "CANCELLED"


def test_question_titles_only_for_those_who_may_see_the_question(cast, world):
    _series, question, item = world
    other = make_question(cast.anna, title="Beperkt zichtbare vraag", visibility="restricted")
    service.add_to_agenda(cast.cas, other, item.meeting, now=utcnow())
    team_question = make_question(cast.bram, title="Vraag van Overvecht")
    service.add_to_agenda(cast.cas, team_question, item.meeting, now=utcnow())
    anna_view = service.calendar_for(cast.anna, [item.meeting], now=utcnow()).decode()
    assert "Vraag van Overvecht" not in anna_view and "agendapunt" in anna_view
    assert "Somberheid en schoolverzuim" in anna_view
    bram_view = service.calendar_for(cast.bram, [item.meeting], now=utcnow()).decode()
    assert "Beperkt zichtbare vraag" not in bram_view and "Vraag van Overvecht" in bram_view


def test_calendar_feed_with_secret_token(cast, login, world, caplog):
    _series, _question, item = world
    client = login(cast.eva)
    page = client.post("/overleg/agenda-feed/nieuw").get_data(as_text=True)
    token = _token(page)
    stored = db.session.scalars(db.select(CalendarFeed)).one()
    assert stored.user_id == cast.eva.id and token not in stored.token_hash and len(stored.token_hash) == 64
    anonymous = login(None)
    with caplog.at_level(logging.INFO):
        response = anonymous.get(f"/agenda-feed/{token}")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert f"overleg-{item.meeting_id}@localhost" in [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert token not in caplog.text
    assert anonymous.get("/agenda-feed/verkeerd-token").status_code == 404
    # A new token replaces the old; revoking ends it.
    new_page = client.post("/overleg/agenda-feed/nieuw").get_data(as_text=True)
    new_token = _token(new_page)
    assert anonymous.get(f"/agenda-feed/{token}").status_code == 404
    assert anonymous.get(f"/agenda-feed/{new_token}").status_code == 200
    client.post("/overleg/agenda-feed/intrekken")
    assert anonymous.get(f"/agenda-feed/{new_token}").status_code == 404


def test_feed_of_a_deactivated_user_is_gone(cast, world):
    token = service.create_feed(cast.eva, now=utcnow())
    cast.eva.active = False
    db.session.flush()
    assert service.feed_user(token, now=utcnow()) is None


def test_feed_lists_only_meetings_the_person_takes_part_in(cast, world):
    _series, _question, item = world
    assert service.feed_meetings(cast.olaf, utcnow()) == []
    assert item.meeting in service.feed_meetings(cast.anna, utcnow())
    assert item.meeting in service.feed_meetings(cast.cas, utcnow())  # the series' coordinator


def test_access_log_redacts_the_feed_token():
    assert redact('"GET /agenda-feed/abcdef123 HTTP/1.1" 200') == '"GET /agenda-feed/… HTTP/1.1" 200'
