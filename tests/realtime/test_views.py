"""The notification centre, its JSON feed, mark-as-read and the settings page over HTTP."""
import pytest

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.realtime.models import Delivery, NotificationKind
from expertise.realtime.service import notify, preferences_of, unread_count


def _notify(user, kind="new_advice", question_id=None, actor=None):
    notification = notify(user, kind, question_id=question_id, actor=actor, now=utcnow())
    db.session.commit()
    return notification


def test_centre_lists_fixed_text_and_question_link(cast, login, qid):
    question_id = qid(123)
    _notify(cast.anna, question_id=question_id, actor=cast.eva)
    page = login(cast.anna).get("/meldingen").get_data(as_text=True)
    assert f"Er is een nieuw advies op je vraag #{question_id}" in page
    assert f'href="/vragen/{question_id}"' in page
    assert cast.eva.name not in page


def test_header_counter_shows_unread_count(cast, login, qid):
    _notify(cast.anna)
    _notify(cast.anna, question_id=qid(124))
    page = login(cast.anna).get("/").get_data(as_text=True)
    assert '<span data-unread-count>2</span>' in page
    assert "js/notifications.js" in page


def test_anonymous_page_loads_no_socket_script(browser):
    page = browser.get("/inloggen").get_data(as_text=True)
    assert "socket.io.min.js" not in page and "data-unread-count" not in page


def test_mark_read_and_mark_all_read(cast, login, qid):
    first = _notify(cast.anna)
    _notify(cast.anna, question_id=qid(124))
    client = login(cast.anna)
    assert client.post(f"/meldingen/{first.id}/gelezen").status_code == 302
    assert unread_count(cast.anna) == 1
    assert client.post("/meldingen/alles-gelezen").status_code == 302
    assert unread_count(cast.anna) == 0


def test_someone_elses_notification_is_404(cast, login):
    other = _notify(cast.bram)
    assert login(cast.anna).post(f"/meldingen/{other.id}/gelezen").status_code == 404
    assert login(cast.anna).post("/meldingen/999999/gelezen").status_code == 404
    assert unread_count(cast.bram) == 1


def test_feed_returns_only_what_came_after_since(cast, login, qid):
    first = _notify(cast.anna, question_id=qid(1))
    second = _notify(cast.anna, question_id=qid(2))
    _notify(cast.bram, question_id=qid(3))
    data = login(cast.anna).get(f"/meldingen.json?since={first.id}").get_json()
    assert data["unread"] == 2
    assert [n["id"] for n in data["notifications"]] == [second.id]
    item = data["notifications"][0]
    assert set(item) == {"id", "kind", "question_id", "read", "text", "url", "html"}
    assert item["text"] == f"Er is een nieuw advies op je vraag #{qid(2)}"
    assert item["url"] == f"/vragen/{qid(2)}"


def test_feed_with_limit_zero_gives_the_count_only(cast, login):
    _notify(cast.anna)
    data = login(cast.anna).get("/meldingen.json?limit=0").get_json()
    assert data == {"unread": 1, "notifications": []}


def test_settings_page_shows_the_kinds_of_ones_roles(cast, login):
    page = login(cast.anna).get("/meldingen/instellingen").get_data(as_text=True)
    assert str(NotificationKind.NEW_ADVICE.label) in page
    assert str(NotificationKind.NEW_QUESTION_IN_AREA.label) not in page
    page = login(cast.eva).get("/meldingen/instellingen").get_data(as_text=True)
    assert str(NotificationKind.NEW_QUESTION_IN_AREA.label) in page


def test_settings_are_saved(cast, login):
    client = login(cast.anna)
    response = client.post("/meldingen/instellingen", {
        "kind_new_advice": "off",
        "kind_new_reply": "daily",
        "kind_reply_to_your_post": "immediately",
        "kind_moderation_decision": "immediately",
    })
    assert response.status_code == 302
    chosen = preferences_of(cast.anna)
    assert chosen[NotificationKind.NEW_ADVICE] is Delivery.OFF
    assert chosen[NotificationKind.NEW_REPLY] is Delivery.DAILY


def test_settings_refuse_unknown_choice(cast, login):
    response = login(cast.anna).post("/meldingen/instellingen", {"kind_new_advice": "sms"})
    assert response.status_code == 200
    assert preferences_of(cast.anna)[NotificationKind.NEW_ADVICE] is Delivery.IMMEDIATELY


def test_opening_a_question_marks_its_notifications_read_and_no_others(cast, login, qid):
    opened, other = qid(201), qid(202)
    _notify(cast.anna, question_id=opened, actor=cast.eva)
    _notify(cast.anna, "new_reply", question_id=opened, actor=cast.olaf)
    _notify(cast.anna, question_id=other, actor=cast.eva)
    anna = login(cast.anna)
    page = anna.get(f"/vragen/{opened}").get_data(as_text=True)
    assert '<span data-unread-count>1</span>' in page  # the header already counts what is left
    db.session.expire_all()
    assert unread_count(cast.anna) == 1


def test_the_centre_names_the_question_by_title_while_one_may_see_it(cast, login, qid):
    from expertise.questions.models import Question

    question_id = qid(301)
    _notify(cast.eva, "new_question_in_area", question_id=question_id, actor=cast.anna)
    _notify(cast.bram, "new_question_in_area", question_id=question_id, actor=cast.anna)  # another team
    eva = login(cast.eva)
    assert "“Vraag 301”" in eva.get("/meldingen").get_data(as_text=True)
    feed = eva.get("/meldingen.json").get_json()
    assert "“Vraag 301”" in feed["notifications"][0]["html"]
    assert "Vraag 301" not in login(cast.bram).get("/meldingen").get_data(as_text=True)
    # Once moderation takes it off the platform, the title goes from the centre too.
    db.session.get(Question, question_id).moderation_state = "removed"
    db.session.commit()
    page = eva.get("/meldingen").get_data(as_text=True)
    assert "Vraag 301" not in page and f"#{question_id}" in page


def test_e_mails_never_carry_the_title(cast, qid):
    from expertise.extensions import mail

    question_id = qid(302)
    with mail.record_messages() as outbox:
        _notify(cast.anna, question_id=question_id, actor=cast.eva)  # new advice: e-mailed immediately
    assert len(outbox) == 1
    assert f"#{question_id}" in outbox[0].body
    assert "Vraag 302" not in outbox[0].body and "Vraag 302" not in outbox[0].subject


# --- no notification spam (issue 24 item 11) ------------------------------------------------------


def test_five_requests_in_a_row_give_each_expert_one_notification_and_one_email(cast, login):
    from expertise.accounts.models import Role
    from expertise.extensions import mail
    from expertise.realtime.models import Notification

    from ..factories import make_organisation, make_question, make_user

    area = cast.eva.expertise_areas
    others = [make_user(f"Deskundige {i}", [Role.EXPERT], organisation=make_organisation(f"Organisatie {i}"),
                        areas=area) for i in range(2)]
    question = make_question(cast.anna, areas=area)
    db.session.commit()
    experts = [cast.eva, *others]
    anna = login(cast.anna)
    with mail.record_messages() as outbox:
        for _ in range(5):
            assert anna.post(f"/vragen/{question.id}/meer-perspectieven").status_code == 302
    for expert in experts:
        rows = db.session.scalars(db.select(Notification).filter_by(
            user_id=expert.id, kind="more_perspectives_requested", question_id=question.id)).all()
        assert len(rows) == 1, expert.name
    assert sorted(m.recipients[0] for m in outbox) == sorted(e.email for e in experts)


def test_a_read_notification_is_not_reused_and_a_new_window_mails_again(cast, app):
    from datetime import timedelta

    from expertise.core.time import utcnow
    from expertise.extensions import mail
    from expertise.realtime import service
    from expertise.realtime.models import NotificationKind

    from ..factories import make_question

    question = make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    now = utcnow()
    window = app.config["NOTIFICATION_COALESCE_WINDOW"]
    with mail.record_messages() as outbox:
        first = service.notify(cast.anna, NotificationKind.NEW_ADVICE, question_id=question.id, actor=cast.eva, now=now)
        again = service.notify(cast.anna, NotificationKind.NEW_ADVICE, question_id=question.id, actor=cast.eva,
                               now=now + timedelta(minutes=1))
        other_question = service.notify(cast.anna, NotificationKind.NEW_REPLY, question_id=question.id,
                                        actor=cast.eva, now=now + timedelta(minutes=1))
        db.session.commit()
        assert again.id == first.id and other_question.id != first.id
        # Unread, and the last one came within the window: brought up to date, and e-mailed
        # again, as the last e-mail is a window old.
        later = service.notify(cast.anna, NotificationKind.NEW_ADVICE, question_id=question.id, actor=cast.eva,
                               now=now + window)
        db.session.commit()
        assert later.id == first.id
        service.mark_read(cast.anna, first, now + window + timedelta(minutes=3))
        after_reading = service.notify(cast.anna, NotificationKind.NEW_ADVICE, question_id=question.id,
                                       actor=cast.eva, now=now + window + timedelta(minutes=4))
        db.session.commit()
        assert after_reading.id != first.id
    # first (1), the other kind (1), the same one after a window (1), the new one after reading (1)
    assert len(outbox) == 4


def test_a_follower_hears_of_every_new_post_until_unfollowing(cast, login):
    from expertise.realtime.models import Notification
    from ..factories import make_post, make_question

    question = make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    olaf = login(cast.olaf)  # an expert outside the question's area, who may still read it
    page = olaf.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert 'name="stand" value="volgen"' in page
    assert olaf.post(f"/vragen/{question.id}/volgen", {"stand": "volgen"}, csrf=False).status_code == 400
    assert olaf.post(f"/vragen/{question.id}/volgen", {"stand": "vaak"}).status_code == 302  # refused, said so
    assert olaf.post(f"/vragen/{question.id}/volgen", {"stand": "volgen"}).status_code == 302
    assert "Je volgt deze vraag" in olaf.get(f"/vragen/{question.id}").get_data(as_text=True)

    def told():
        db.session.expire_all()
        return db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(
            user_id=cast.olaf.id, kind=NotificationKind.FOLLOWED_QUESTION.value))

    make_post(cast.eva, question, body="Een eerste advies.")
    db.session.commit()
    assert told() == 1
    olaf.post(f"/vragen/{question.id}/volgen", {"stand": "standaard"})
    make_post(cast.eva, question, body="Nog een aanvulling.")
    db.session.commit()
    assert told() == 1


def test_following_a_question_one_may_not_see_is_404(cast, login):
    from ..factories import make_question

    question = make_question(cast.anna, areas=cast.eva.expertise_areas, visibility="restricted")
    db.session.commit()
    assert login(cast.bram).post(f"/vragen/{question.id}/volgen", {"stand": "volgen"}).status_code == 404


def test_the_question_list_marks_questions_with_unread_notifications(cast, login):
    from ..factories import make_question

    unread = make_question(cast.anna, title="Vraag met nieuws", areas=cast.eva.expertise_areas)
    quiet = make_question(cast.anna, title="Vraag zonder nieuws", areas=cast.eva.expertise_areas)
    db.session.commit()
    _notify(cast.anna, question_id=unread.id, actor=cast.eva)
    page = login(cast.anna).get("/vragen").get_data(as_text=True)
    items = {title: page[page.index(title):][:900] for title in ("Vraag met nieuws", "Vraag zonder nieuws")}
    assert "Nieuwe meldingen" in items["Vraag met nieuws"].split("</li>")[0]
    assert "Nieuwe meldingen" not in items["Vraag zonder nieuws"].split("</li>")[0]
