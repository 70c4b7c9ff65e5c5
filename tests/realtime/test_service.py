"""Notification rules, the after-commit queues and the payload allowlist."""
import re
from datetime import timedelta

import pytest
from markupsafe import Markup

from expertise.core.time import utcnow
from expertise.extensions import db, mail, socketio
from expertise.realtime import service
from expertise.realtime.models import Delivery, Notification, NotificationKind
from expertise.realtime.service import (
    ALLOWED_PAYLOAD_KEYS,
    RealtimeError,
    check_payload,
    mark_all_read,
    notify,
    publish_on_commit,
    send_digests,
    set_preferences,
    unread_count,
)


@pytest.fixture
def emitted(app, monkeypatch):
    """Record what the after-commit hook sends through Socket.IO."""
    sent = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None: sent.append((event, data, to)))
    return sent


def test_event_is_emitted_only_after_commit(emitted):
    publish_on_commit("notification_count", {"unread": 3}, "user:1")
    db.session.flush()
    assert emitted == []
    db.session.commit()
    assert emitted == [("notification_count", {"unread": 3}, "user:1")]


def test_rollback_drops_queued_events(emitted):
    publish_on_commit("notification_count", {"unread": 3}, "user:1")
    db.session.rollback()
    db.session.commit()
    assert emitted == []


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "Zorgen om Kerem"},
        {"body": "tekst"},
        {"name": "Anna"},
        {"email": "anna@example.test"},
        {"question_id": "12"},
        {"unread": True},
        {"kind": "Vraag van Anna"},
        {"html": "<p>niet door een template gemaakt</p>"},
        ["question_id", 1],
    ],
)
def test_payload_outside_the_allowlist_is_refused(payload):
    with pytest.raises(RealtimeError):
        check_payload(payload)


def test_allowlisted_payload_passes():
    check_payload({"question_id": 12, "post_id": None, "unread": 0, "event": "post_created",
                   "html": Markup("<li>#12</li>")})
    assert ALLOWED_PAYLOAD_KEYS == {
        "event", "kind", "question_id", "post_id", "version", "notification_id", "unread", "count", "html"
    }


@pytest.mark.parametrize("room", ["user", "user:", "question:abc", "Question:1", "user:1:2"])
def test_malformed_room_is_refused(room):
    with pytest.raises(RealtimeError):
        publish_on_commit("notification", {}, room)


def test_notify_records_and_pushes_count_with_ids_only(cast, emitted, qid):
    notify(cast.anna, NotificationKind.NEW_ADVICE, question_id=qid(123), actor=cast.eva, now=utcnow())
    notify(cast.anna, NotificationKind.NEW_REPLY, question_id=qid(123), actor=cast.eva, now=utcnow())
    db.session.commit()
    assert unread_count(cast.anna) == 2
    assert [(e, d["unread"], to) for e, d, to in emitted] == [
        ("notification", 1, f"user:{cast.anna.id}"),
        ("notification", 2, f"user:{cast.anna.id}"),
    ]
    for _event, data, _to in emitted:
        assert set(data) <= {"notification_id", "kind", "question_id", "unread"}
        assert cast.eva.name not in repr(data) and cast.anna.name not in repr(data)


def test_nobody_is_notified_of_their_own_action(cast, qid):
    assert notify(cast.anna, "new_reply", question_id=qid(1), actor=cast.anna, now=utcnow()) is None
    assert unread_count(cast.anna) == 0


def test_notification_text_names_the_question_by_number_only():
    assert service.notification_text("new_advice", 123) == "Er is een nieuw advies op je vraag #123"
    assert service.notification_text("consultation_update", None) == "Er is nieuws over het wekelijks overleg"


def test_mark_all_read_pushes_zero(cast, emitted, qid):
    for number in (1, 2):
        notify(cast.anna, "new_advice", question_id=qid(number), now=utcnow())
    db.session.commit()
    emitted.clear()
    mark_all_read(cast.anna, utcnow())
    db.session.commit()
    assert unread_count(cast.anna) == 0
    assert emitted == [("notification_count", {"unread": 0}, f"user:{cast.anna.id}")]


# --- e-mail ----------------------------------------------------------------------

FIXED_LINE_PATTERNS = [
    r"Hallo,",
    r"",
    r"Bekijk het op het platform: http://localhost/(vragen/\d+|meldingen)",
    r"Je krijgt deze e-mail omdat je dit zo hebt ingesteld\. Wijzig je instellingen op http://localhost/meldingen/instellingen",
    r"Om gezinnen te beschermen staat er in e-mails van het platform nooit inhoud van een vraag\.",
    r"Sinds het vorige overzicht zijn er \d+ nieuwe meldingen voor je:",
    r"Sinds het vorige overzicht is er 1 nieuwe melding voor je:",
    r"  #\d+: http://localhost/vragen/\d+",
    r"Alle meldingen: http://localhost/meldingen",
]


def _allowed_line(line):
    for kind in NotificationKind:
        if line == f"{kind.label}: " + line.rsplit(": ", 1)[-1] and line.rsplit(": ", 1)[-1].isdigit():
            return True
        for number in re.findall(r"#(\d+)", line) or [None]:
            text = service.notification_text(kind, int(number) if number else None)
            if line == text + ".":
                return True
    return any(re.fullmatch(p, line) for p in FIXED_LINE_PATTERNS)


def assert_fixed_texts_only(message):
    for line in message.body.splitlines():
        assert _allowed_line(line), f"unexpected line in e-mail: {line!r}"


def test_preferences_decide_who_gets_an_immediate_email(cast, qid):
    set_preferences(cast.bram, {NotificationKind.NEW_ADVICE: Delivery.OFF})
    for number in (7, 8, 9):
        qid(number)  # the questions exist before the notifications are queued
    with mail.record_messages() as outbox:
        notify(cast.anna, "new_advice", question_id=qid(7), actor=cast.eva, now=utcnow())  # default: immediately
        notify(cast.bram, "new_advice", question_id=qid(8), actor=cast.eva, now=utcnow())  # chose: off
        notify(cast.eva, "new_question_in_area", question_id=qid(9), actor=cast.anna, now=utcnow())  # default: daily
        assert outbox == []  # nothing before the commit
        db.session.commit()
    assert [m.recipients for m in outbox] == [[cast.anna.email]]
    assert outbox[0].subject == f"Er is een nieuw advies op je vraag #{qid(7)}"
    assert f"Er is een nieuw advies op je vraag #{qid(7)}." in outbox[0].body
    assert f"http://localhost/vragen/{qid(7)}" in outbox[0].body
    assert_fixed_texts_only(outbox[0])


def test_rolled_back_notification_sends_no_email(cast, qid):
    with mail.record_messages() as outbox:
        notify(cast.anna, "new_advice", question_id=qid(7), now=utcnow())
        db.session.rollback()
        db.session.commit()
    assert outbox == []


def test_emails_never_carry_names_or_addresses(cast, qid):
    set_preferences(cast.eva, {NotificationKind.NEW_QUESTION_IN_AREA: Delivery.IMMEDIATELY})
    with mail.record_messages() as outbox:
        for kind in NotificationKind:
            notify(cast.anna, kind, question_id=qid(41), actor=cast.eva, now=utcnow())
            notify(cast.eva, kind, question_id=None, actor=cast.anna, now=utcnow())
        db.session.commit()
        send_digests(utcnow())
        db.session.commit()
    assert outbox
    for message in outbox:
        assert_fixed_texts_only(message)
        for needle in ("Anna", "Eva", "Gezinswerker", "Deskundige", "Altrecht", "Zuilen", "@example"):
            assert needle not in message.body and needle not in message.subject


def test_daily_digest_counts_per_kind_and_marks_emailed(cast, qid):
    now = utcnow()
    for number in (11, 12, 12):
        notify(cast.eva, "new_question_in_area", question_id=qid(number), actor=cast.anna, now=now)
    notify(cast.eva, "more_perspectives_requested", question_id=qid(13), actor=cast.anna, now=now)  # immediately
    set_preferences(cast.olaf, {NotificationKind.NEW_QUESTION_IN_AREA: Delivery.OFF})
    notify(cast.olaf, "new_question_in_area", question_id=qid(11), actor=cast.anna, now=now)
    db.session.commit()
    with mail.record_messages() as outbox:
        assert send_digests(now + timedelta(days=1)) == 1
        db.session.commit()
        assert send_digests(now + timedelta(days=2)) == 0  # nothing new
        db.session.commit()
    assert [m.recipients for m in outbox] == [[cast.eva.email]]
    body = outbox[0].body
    # Two about #12 within the coalescing window are one notification, brought up to date.
    assert "Nieuwe vraag in mijn expertisegebied: 2" in body
    for number in (11, 12):
        assert f"#{qid(number)}: http://localhost/vragen/{qid(number)}" in body
    assert f"#{qid(13)}:" not in body  # that one was e-mailed immediately
    assert_fixed_texts_only(outbox[0])
    pending = db.session.scalars(db.select(Notification).filter_by(user_id=cast.eva.id, emailed_at=None))
    assert list(pending) == []


def test_read_notifications_are_left_out_of_the_digest(cast, qid):
    notify(cast.eva, "new_question_in_area", question_id=qid(11), now=utcnow())
    db.session.commit()
    mark_all_read(cast.eva, utcnow())
    db.session.commit()
    with mail.record_messages() as outbox:
        assert send_digests(utcnow()) == 0
        db.session.commit()
    assert outbox == []


def test_digest_command_sends_and_reports(cast, app, qid):
    notify(cast.eva, "new_question_in_area", question_id=qid(5), now=utcnow())
    db.session.commit()
    with mail.record_messages() as outbox:
        result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "1 digest e-mail(s) sent." in result.output
    assert len(outbox) == 1


def test_e_mail_subjects_differ_per_kind_and_name_the_number_only(cast, qid):
    with mail.record_messages() as outbox:
        notify(cast.anna, "new_advice", question_id=qid(7), actor=cast.eva, now=utcnow())
        notify(cast.anna, "new_reply", question_id=qid(7), actor=cast.eva, now=utcnow())
        notify(cast.anna, "question_handed_over", question_id=qid(8), actor=cast.eva, now=utcnow())
        db.session.commit()
    subjects = [m.subject for m in outbox]
    assert len(set(subjects)) == 3, subjects
    assert f"Vraag #{qid(8)} is aan jou overgedragen" in subjects
    assert not any("Vraag 7" in s or "Vraag 8" in s for s in subjects)  # never the title


def test_a_digest_of_one_notification_speaks_in_the_singular(cast, qid):
    notify(cast.eva, "new_question_in_area", question_id=qid(11), actor=cast.anna, now=utcnow())
    db.session.commit()
    with mail.record_messages() as outbox:
        assert send_digests(utcnow()) == 1
        db.session.commit()
    assert "Sinds het vorige overzicht is er 1 nieuwe melding voor je:" in outbox[0].body
    assert_fixed_texts_only(outbox[0])


def test_notifications_are_listed_newest_first_also_when_coalescing_brought_one_up_to_date(cast, qid):
    start = utcnow()
    older = notify(cast.anna, "new_advice", question_id=qid(7), actor=cast.eva, now=start)
    newer = notify(cast.anna, "new_advice", question_id=qid(8), actor=cast.eva, now=start + timedelta(minutes=1))
    again = notify(cast.anna, "new_advice", question_id=qid(7), actor=cast.olaf, now=start + timedelta(minutes=2))
    db.session.commit()
    assert again.id == older.id  # the same notification, now the latest
    assert [n.id for n in service.recent_notifications(cast.anna)] == [older.id, newer.id]


def test_a_muted_question_brings_no_notifications_except_those_to_act_on(cast, qid):
    service.set_following(cast.anna, qid(7), "mute", utcnow())
    assert notify(cast.anna, "new_advice", question_id=qid(7), actor=cast.eva, now=utcnow()) is None
    assert notify(cast.anna, "new_advice", question_id=qid(8), actor=cast.eva, now=utcnow()) is not None
    assert notify(cast.anna, "question_handed_over", question_id=qid(7), actor=cast.eva, now=utcnow()) is not None
    service.set_following(cast.anna, qid(7), None, utcnow())  # back to the default
    assert notify(cast.anna, "new_reply", question_id=qid(7), actor=cast.eva, now=utcnow()) is not None
