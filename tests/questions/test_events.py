"""What each question event tells whom: live thread events, notifications, the catch-up feed."""
import json

import pytest

from expertise.accounts.models import Role
from expertise.core.time import utcnow
from expertise.extensions import db, socketio
from expertise.questions import service
from expertise.questions.models import Question
from expertise.realtime.models import Notification
from expertise.realtime.service import ALLOWED_PAYLOAD_KEYS

from ..factories import IDENTITY, make_area, make_post, make_question, make_user

SITUATION = "Het kind van de familie Pietersen slaapt slecht sinds de verhuizing."
REQUEST = "Hoe kunnen ouders in de Ganzenmarkt helpen met een vast ritme?"
TITLE = "Slaapproblemen bij Pietersen"


@pytest.fixture
def emitted(app, monkeypatch):
    """Record what the after-commit hook sends through Socket.IO (and which rooms it empties)."""
    sent = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None: sent.append((event, data, to)))
    monkeypatch.setattr(socketio, "close_room", lambda room, namespace=None: sent.append(("<close>", None, room)))
    return sent


@pytest.fixture
def areas(cast):
    """The cast's areas: eva has GGZ, olaf Opvoeding."""
    return {a.name: a for a in cast.eva.expertise_areas + cast.olaf.expertise_areas}


def _question(cast, areas, *names, **kwargs):
    kwargs.setdefault("title", TITLE)
    question = make_question(cast.anna, areas=[areas[n] for n in names], situation=SITUATION,
                             request=REQUEST, **kwargs)
    db.session.commit()
    return question


def _received(user):
    """Return [(kind, question_id)] of the user's notifications, oldest first."""
    return [
        (n.kind, n.question_id)
        for n in db.session.scalars(db.select(Notification).filter_by(user_id=user.id).order_by(Notification.id))
    ]


def _clear_notifications():
    db.session.execute(db.delete(Notification))
    db.session.commit()


def _colleague(cast):
    colleague = make_user("Carla Collega", [Role.FAMILY_WORKER], team=cast.anna.team)
    db.session.commit()
    return colleague


# --- notifications -------------------------------------------------------------------


def test_publishing_tells_the_experts_of_the_areas_only(cast, areas):
    question = _question(cast, areas, "GGZ / psychiatrie")
    assert _received(cast.eva) == [("new_question_in_area", question.id)]
    assert _received(cast.olaf) == [] and _received(cast.anna) == []


def test_a_draft_tells_nobody_until_it_is_published(cast, areas):
    question = _question(cast, areas, "Opvoeding", publish=False)
    assert _received(cast.olaf) == []
    service.update_question(
        cast.anna, question, title=question.title, situation=SITUATION, request=REQUEST, child_age=8,
        areas=question.areas, urgency="normal", visibility="team", family_consent=True, publish=True,
        now=utcnow(),
    )
    db.session.commit()
    assert _received(cast.olaf) == [("new_question_in_area", question.id)]


def test_inactive_experts_hear_nothing(cast, areas):
    cast.eva.active = False
    db.session.commit()
    _question(cast, areas, "GGZ / psychiatrie")
    assert _received(cast.eva) == []


def test_advice_tells_the_owner(cast, areas):
    question = _question(cast, areas, "GGZ / psychiatrie")
    _clear_notifications()
    make_post(cast.eva, question)
    db.session.commit()
    assert _received(cast.anna) == [("new_advice", question.id)]
    assert _received(cast.eva) == []


def test_reply_tells_the_owner_and_the_author_of_the_parent(cast, areas):
    question = _question(cast, areas, "GGZ / psychiatrie")
    advice = make_post(cast.eva, question)
    db.session.commit()
    _clear_notifications()
    make_post(cast.olaf, question, "Ik sluit me aan.", parent=advice)
    db.session.commit()
    assert _received(cast.anna) == [("new_reply", question.id)]
    assert _received(cast.eva) == [("reply_to_your_post", question.id)]
    assert _received(cast.olaf) == []


def test_owner_replying_is_told_nothing_and_the_parent_author_once(cast, areas):
    question = _question(cast, areas, "GGZ / psychiatrie")
    advice = make_post(cast.eva, question)
    addition = make_post(cast.anna, question, "Aanvulling van de eigenaar.")
    db.session.commit()
    _clear_notifications()
    make_post(cast.anna, question, "Dank je.", parent=advice)
    make_post(cast.eva, question, "Graag gedaan.", parent=addition)
    db.session.commit()
    assert _received(cast.eva) == [("reply_to_your_post", question.id)]
    # A reply to the owner's own post: one notification, not two.
    assert _received(cast.anna) == [("new_reply", question.id)]


def test_more_perspectives_tells_experts_of_organisations_that_did_not_advise(cast, areas):
    altrecht_colleague = make_user("Anton Altrecht", [Role.EXPERT], organisation=cast.eva.organisation,
                                   areas=[areas["Opvoeding"]])
    elsewhere = make_user("Els Elders", [Role.EXPERT], organisation=None, areas=[areas["Opvoeding"]])
    question = _question(cast, areas, "GGZ / psychiatrie", "Opvoeding")
    make_post(cast.eva, question)
    db.session.commit()
    _clear_notifications()
    service.ask_more_perspectives(cast.anna, question, utcnow())
    db.session.commit()
    assert _received(cast.olaf) == [("more_perspectives_requested", question.id)]
    assert _received(elsewhere) == [("more_perspectives_requested", question.id)]
    assert _received(cast.eva) == [] and _received(altrecht_colleague) == []


def test_closing_tells_everyone_who_advised(cast, areas):
    question = _question(cast, areas, "GGZ / psychiatrie", "Opvoeding")
    first = make_post(cast.eva, question)
    make_post(cast.olaf, question, "Tweede advies.")
    make_post(cast.mila, question, "Een reactie, geen advies.", parent=first)
    db.session.commit()
    _clear_notifications()
    service.close_question(cast.anna, question, outcome="followed", explanation="Gevolgd.", now=utcnow())
    db.session.commit()
    assert _received(cast.eva) == [("question_closed", question.id)]
    assert _received(cast.olaf) == [("question_closed", question.id)]
    assert _received(cast.mila) == [] and _received(cast.anna) == []


def test_handover_tells_the_colleague(cast, areas):
    colleague = _colleague(cast)
    question = _question(cast, areas, "GGZ / psychiatrie")
    _clear_notifications()
    service.hand_over_question(cast.anna, question, colleague, utcnow())
    db.session.commit()
    assert _received(colleague) == [("question_handed_over", question.id)]
    assert _received(cast.anna) == []


def test_nobody_hears_about_a_question_they_can_no_longer_see(cast, areas):
    colleague = _colleague(cast)
    question = _question(cast, areas, "GGZ / psychiatrie", visibility="restricted")
    addition = make_post(cast.anna, question, "Aanvulling.")
    service.hand_over_question(cast.anna, question, colleague, utcnow())
    db.session.commit()
    _clear_notifications()
    make_post(cast.eva, question, "Reactie op de aanvulling.", parent=addition)
    db.session.commit()
    assert _received(cast.anna) == []  # restricted and no longer hers
    assert _received(colleague) == [("new_reply", question.id)]


def test_notification_texts_carry_no_case_content(cast, areas):
    question = _question(cast, areas, "GGZ / psychiatrie", "Opvoeding")
    advice = make_post(cast.eva, question)
    make_post(cast.olaf, question, "Reactie.", parent=advice)
    service.close_question(cast.anna, question, outcome="followed", explanation="Gevolgd.", now=utcnow())
    db.session.commit()
    from expertise.realtime.service import notification_text

    texts = [notification_text(n.kind, n.question_id) for n in db.session.scalars(db.select(Notification))]
    assert len(texts) >= 4
    for text in texts:
        assert f"#{question.id}" in text
        for secret in ("Pietersen", "Ganzenmarkt", TITLE, cast.eva.name, cast.anna.name):
            assert secret not in text


# --- live thread events ----------------------------------------------------------------


def _room_events(sent, question):
    return [(event, data) for event, data, to in sent if to == f"question:{question.id}"]


def test_new_post_goes_to_the_room_after_commit_with_a_neutral_fragment(cast, areas, emitted):
    question = _question(cast, areas, "GGZ / psychiatrie")
    emitted.clear()
    post = make_post(cast.eva, question, "Een **vast** avondritueel helpt.")
    assert _room_events(emitted, question) == []  # not before the commit
    db.session.commit()
    [(event, data)] = _room_events(emitted, question)
    assert event == "post_published"
    assert set(data) == {"event", "question_id", "post_id", "version", "html"}
    assert (data["question_id"], data["post_id"]) == (question.id, post.id)
    html = data["html"]
    assert f'id="bericht-{post.id}"' in html and "<strong>vast</strong>" in html
    # The same for every viewer: no controls of the poster, the owner or anyone's CSRF token.
    for absent in ("csrf_token", "Bewerken", "Markeer als nuttig", "<form"):
        assert absent not in html
    for secret in ("Pietersen", "Ganzenmarkt", TITLE, IDENTITY["name"]):
        assert secret not in json.dumps(data)


def test_rolled_back_post_is_not_published(cast, areas, emitted):
    question = _question(cast, areas, "GGZ / psychiatrie")
    emitted.clear()
    make_post(cast.eva, question)
    db.session.rollback()
    assert emitted == []


def test_reply_fragment_names_its_parent(cast, areas, emitted):
    question = _question(cast, areas, "GGZ / psychiatrie")
    advice = make_post(cast.eva, question)
    db.session.commit()
    emitted.clear()
    reply = make_post(cast.anna, question, "Dank!", parent=advice)
    db.session.commit()
    [(_event, data)] = _room_events(emitted, question)
    assert f'data-post-id="{reply.id}" data-parent-id="{advice.id}"' in data["html"]


def test_edit_and_helpful_mark_update_the_post(cast, areas, emitted):
    question = _question(cast, areas, "GGZ / psychiatrie")
    advice = make_post(cast.eva, question)
    db.session.commit()
    emitted.clear()
    service.edit_post(cast.eva, advice, body="Nieuwe tekst.", now=utcnow())
    db.session.commit()
    service.mark_advice_helpful(cast.anna, advice, now=utcnow())
    db.session.commit()
    events = _room_events(emitted, question)
    assert [e for e, _d in events] == ["post_updated", "post_updated"]
    assert "Nieuwe tekst." in events[0][1]["html"] and "(bewerkt)" in events[0][1]["html"]
    assert "Nuttig advies" in events[1][1]["html"]


def test_closing_reopening_and_handover_show_in_the_thread(cast, areas, emitted):
    colleague = _colleague(cast)
    question = _question(cast, areas, "GGZ / psychiatrie")
    emitted.clear()
    service.close_question(cast.anna, question, outcome="followed", explanation="Geheime uitleg.", now=utcnow())
    db.session.commit()
    service.reopen_question(cast.anna, question, utcnow())
    db.session.commit()
    service.ask_more_perspectives(cast.anna, question, utcnow())
    db.session.commit()
    service.hand_over_question(cast.anna, question, colleague, utcnow())
    db.session.commit()
    events = [(e, d and d.get("kind")) for e, d, to in emitted if to == f"question:{question.id}"]
    assert events == [
        ("thread_event", "closed"),
        ("thread_event", "reopened"),
        ("thread_event", "more_perspectives"),
        ("thread_event", "handed_over"),
        ("<close>", None),  # everyone joins again, and is checked again
    ]
    for _event, data, _to in emitted:
        if data is not None:
            assert set(data) <= ALLOWED_PAYLOAD_KEYS
            assert "Geheime uitleg" not in json.dumps(data) and TITLE not in json.dumps(data)


def test_editing_the_question_empties_the_room(cast, areas, emitted):
    question = _question(cast, areas, "GGZ / psychiatrie")
    emitted.clear()
    service.update_question(
        cast.anna, question, title="Nieuwe titel", situation=SITUATION, request=REQUEST, child_age=8,
        areas=question.areas, urgency="normal", visibility="restricted", family_consent=True, now=utcnow(),
    )
    db.session.commit()
    assert [(e, to) for e, _d, to in emitted if to.startswith("question:")] == [
        ("question_changed", f"question:{question.id}"),
        ("<close>", f"question:{question.id}"),
    ]


# --- joining the room ---------------------------------------------------------------------


@pytest.fixture
def socket_for(app, login):
    clients = []

    def _socket_for(user):
        client = socketio.test_client(app, flask_test_client=login(user).client)
        clients.append(client)
        return client

    yield _socket_for
    for client in clients:
        if client.is_connected():
            client.disconnect()


def _join(client, question):
    return client.emit("join", {"kind": "question", "id": question.id}, callback=True)["ok"]


@pytest.mark.parametrize(
    "who, visibility, allowed",
    [
        ("anna", "restricted", True),
        ("colleague", "team", True),
        ("colleague", "restricted", False),
        ("bram", "team", False),
        ("eva", "restricted", True),
        ("mila", "restricted", True),
        ("cas", "restricted", True),
        ("ada", "team", False),
    ],
)
def test_joining_a_question_room_follows_the_page_rule(cast, areas, socket_for, who, visibility, allowed):
    colleague = _colleague(cast)
    question = _question(cast, areas, "GGZ / psychiatrie", visibility=visibility)
    user = colleague if who == "colleague" else getattr(cast, who)
    assert _join(socket_for(user), question) is allowed


def test_a_draft_room_is_the_owners_alone(cast, areas, socket_for):
    question = _question(cast, areas, "GGZ / psychiatrie", publish=False)
    assert _join(socket_for(cast.anna), question) is True
    assert _join(socket_for(cast.eva), question) is False


def test_a_room_member_receives_the_new_post(cast, areas, socket_for):
    question = _question(cast, areas, "GGZ / psychiatrie")
    watcher, outsider = socket_for(cast.anna), socket_for(cast.bram)
    assert _join(watcher, question)
    watcher.get_received(), outsider.get_received()
    post = make_post(cast.eva, question)
    db.session.commit()
    names = [(p["name"], p["args"][0].get("post_id")) for p in watcher.get_received()]
    assert ("post_published", post.id) in names
    assert all(p["name"] != "post_published" for p in outsider.get_received())


# --- the catch-up feed -----------------------------------------------------------------------


def test_catch_up_feed_returns_missed_posts_rendered_for_the_viewer(cast, areas, login):
    question = _question(cast, areas, "GGZ / psychiatrie")
    first = make_post(cast.eva, question, "Eerste advies.")
    second = make_post(cast.olaf, question, "Tweede advies.")
    reply = make_post(cast.eva, question, "Reactie.", parent=second)
    db.session.commit()
    response = login(cast.anna).get(f"/vragen/{question.id}/berichten?na={first.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert [(p["id"], p["parent_id"]) for p in data["posts"]] == [(second.id, None), (reply.id, second.id)]
    assert "Markeer als nuttig" in data["posts"][0]["html"]  # the owner's own control
    assert "Eerste advies." not in json.dumps(data)
    eva_view = login(cast.eva).get(f"/vragen/{question.id}/berichten?na={second.id}").get_json()
    assert "Bewerken" in eva_view["posts"][0]["html"] and "Markeer als nuttig" not in eva_view["posts"][0]["html"]


MARKETING = "Bij Altrecht hebben we hier een training voor. Meld je aan via www.altrecht-training.nl of bel ons!"


def _feed(client, question, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/vragen/{question.id}/berichten?{query}")
    assert response.status_code == 200
    return response.get_json()


def _page_cursor(client, question):
    page = client.get(f"/vragen/{question.id}").get_data(as_text=True)
    return int(page.split('data-sync-version="')[1].split('"')[0])


def test_catch_up_returns_only_what_changed_since_the_page_synced(cast, areas, login):
    from expertise.moderation import service as moderation
    from expertise.questions.models import PostStatus

    question = _question(cast, areas, "GGZ / psychiatrie")
    held = make_post(cast.eva, question, MARKETING)
    advice = make_post(cast.olaf, question, "Eerste advies.")
    db.session.commit()
    assert held.status == PostStatus.HELD
    anna = login(cast.anna)
    cursor = _page_cursor(anna, question)
    data = _feed(anna, question, sinds_versie=cursor)
    assert (data["posts"], data["withdrawn"], data["sync_version"]) == ([], [], cursor)

    moderation.decide(cast.mila, question=question, post=held, action="approve", now=utcnow())
    db.session.commit()
    data = _feed(anna, question, sinds_versie=cursor)
    assert [p["id"] for p in data["posts"]] == [held.id]  # its id is older than the page's newest
    assert data["posts"][0]["version"] == data["sync_version"] == cursor + 1
    # From the new cursor nothing is repeated: no margin re-sends what the page has.
    assert _feed(anna, question, sinds_versie=data["sync_version"])["posts"] == []

    service.edit_post(cast.olaf, advice, body="Eerste advies, aangevuld.", now=utcnow())
    db.session.commit()
    later = _feed(anna, question, sinds_versie=data["sync_version"])
    assert [p["id"] for p in later["posts"]] == [advice.id] and "aangevuld" in json.dumps(later)
    assert {p["id"] for p in _feed(anna, question, sinds_versie=cursor)["posts"]} == {held.id, advice.id}


def test_catch_up_names_posts_withdrawn_since_the_cursor(cast, areas, login):
    question = _question(cast, areas, "GGZ / psychiatrie")
    advice = make_post(cast.olaf, question, "Eerste advies.")
    db.session.commit()
    anna = login(cast.anna)
    cursor = _page_cursor(anna, question)
    service.edit_post(cast.olaf, advice, body=MARKETING, now=utcnow())  # held again by moderation
    db.session.commit()
    data = _feed(anna, question, sinds_versie=cursor)
    assert data["posts"] == []
    assert data["withdrawn"] == [{"id": advice.id, "version": cursor + 1}]


def test_live_events_carry_the_version_the_catch_up_uses(cast, areas, login, emitted):
    question = _question(cast, areas, "GGZ / psychiatrie")
    first = make_post(cast.eva, question, "Eerste advies.")
    db.session.commit()
    second = make_post(cast.olaf, question, "Tweede advies.")
    db.session.commit()
    versions = [data["version"] for event, data, _to in emitted if event == "post_published"]
    assert versions == [1, 2]
    data = _feed(login(cast.anna), question, sinds_versie=1)
    assert [(p["id"], p["version"]) for p in data["posts"]] == [(second.id, 2)]
    assert first.id not in [p["id"] for p in data["posts"]]


def test_catch_up_ignores_a_cursor_out_of_range(cast, areas, login):
    question = _question(cast, areas, "GGZ / psychiatrie")
    advice = make_post(cast.eva, question, "Eerste advies.")
    db.session.commit()
    anna = login(cast.anna)
    for cursor in ("9" * 30, "-" + "9" * 30, "nu"):
        data = _feed(anna, question, na=advice.id, sinds_versie=cursor)
        assert data["posts"] == [], cursor  # an unusable cursor falls back to the ids after `na`
    assert [p["id"] for p in _feed(anna, question, sinds_versie=0)["posts"]] == [advice.id]


def test_catch_up_feed_includes_missed_thread_events(cast, areas, login):
    question = _question(cast, areas, "GGZ / psychiatrie")
    service.close_question(cast.anna, question, outcome="followed", explanation="Klaar.", now=utcnow())
    db.session.commit()
    data = login(cast.eva).get(f"/vragen/{question.id}/berichten?na=0&na_gebeurtenis=0").get_json()
    assert data["status"] == "closed"
    assert len(data["events"]) == 1 and "afgesloten" in data["events"][0]["html"]


def test_catch_up_feed_hides_questions_like_the_page(cast, areas, login):
    question = _question(cast, areas, "GGZ / psychiatrie", visibility="restricted")
    assert login(cast.bram).get(f"/vragen/{question.id}/berichten").status_code == 404
    assert login(cast.bram).get("/vragen/999999/berichten").status_code == 404
    assert login(cast.ada).get(f"/vragen/{question.id}/berichten").status_code == 403
    assert login(None).get(f"/vragen/{question.id}/berichten").status_code in (302, 401)
    assert login(cast.anna).post(f"/vragen/{question.id}/berichten").status_code == 405


def test_thread_page_carries_the_live_hooks(cast, areas, login):
    question = _question(cast, areas, "GGZ / psychiatrie")
    html = login(cast.eva).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert f'data-live-thread="{question.id}"' in html
    assert f'data-feed-url="/vragen/{question.id}/berichten"' in html
    assert 'data-sync-version="0"' in html
    assert "js/thread.js" in html and "<script>" not in html
    assert db.session.get(Question, question.id) is not None
