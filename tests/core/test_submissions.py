"""A form sent twice with its one-time submission key creates one thing; the second send gets the first result."""
import re
import threading
from datetime import timedelta

from expertise.core import submissions
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.questions.models import Post, Question

from .. import factories
from ..questions.test_lifecycle import _question_form

_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')


def _key(page):
    keys = _KEY.findall(page.get_data(as_text=True))
    assert len(keys) == 1, keys
    return keys[0]


def _posts(question):
    return db.session.scalars(db.select(Post).where(Post.question_id == question.id)).all()


def _question(cast):
    question = factories.make_question(cast.anna)
    db.session.commit()
    return question


def test_advice_sent_twice_with_one_key_is_posted_once_and_both_sends_lead_to_it(cast, login):
    question = _question(cast)
    eva = login(cast.eva)
    form = {"body": "Een vast ritme helpt.", "actie": "plaatsen",
            "submission_key": _key(eva.get(f"/vragen/{question.id}/reageren"))}
    first = eva.post(f"/vragen/{question.id}/reageren", form)
    again = eva.post(f"/vragen/{question.id}/reageren", form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    posts = _posts(question)
    assert len(posts) == 1 and first.headers["Location"].endswith(f"#bericht-{posts[0].id}")
    page = eva.get(again.headers["Location"]).get_data(as_text=True)
    assert "al verstuurd en is bewaard" in page


def test_each_opened_form_has_its_own_key_and_posts_again(cast, login):
    question = _question(cast)
    eva = login(cast.eva)
    detail_key = _key(eva.get(f"/vragen/{question.id}"))  # the form on the thread page
    form_key = _key(eva.get(f"/vragen/{question.id}/reageren"))
    assert detail_key != form_key
    for key in (detail_key, form_key):
        eva.post(f"/vragen/{question.id}/reageren", {"body": "Een vast ritme helpt.", "actie": "plaatsen",
                                                     "submission_key": key})
    assert len(_posts(question)) == 2


def test_a_refused_send_keeps_its_key_and_the_corrected_one_posts(cast, login):
    question = _question(cast)
    eva = login(cast.eva)
    key = _key(eva.get(f"/vragen/{question.id}/reageren"))
    refused = eva.post(f"/vragen/{question.id}/reageren", {"body": " ", "actie": "plaatsen", "submission_key": key})
    assert refused.status_code == 200 and _key(refused) == key and _posts(question) == []
    sent = eva.post(f"/vragen/{question.id}/reageren", {"body": "Een vast ritme helpt.", "actie": "plaatsen",
                                                        "submission_key": key})
    assert sent.status_code == 302 and len(_posts(question)) == 1


def test_a_key_is_one_persons(cast, login):
    question = _question(cast)
    key = _key(login(cast.eva).get(f"/vragen/{question.id}/reageren"))
    for person in (cast.eva, cast.olaf):
        login(person).post(f"/vragen/{question.id}/reageren", {"body": "Een vast ritme helpt.", "actie": "plaatsen",
                                                               "submission_key": key})
    assert sorted(p.author_id for p in _posts(question)) == sorted([cast.eva.id, cast.olaf.id])


def test_a_damaged_key_is_refused_with_a_clear_error_and_nothing_written(cast, login):
    question = _question(cast)
    response = login(cast.eva).post(f"/vragen/{question.id}/reageren", {
        "body": "Een vast ritme helpt.", "actie": "plaatsen", "submission_key": "<kapot>"})
    assert response.status_code == 200 and "Het formulier was beschadigd" in response.get_data(as_text=True)
    assert "Een vast ritme helpt." in response.get_data(as_text=True) and _posts(question) == []
    fresh = _key(response)  # the form comes back with a new key, and sending it again posts
    login(cast.eva).post(f"/vragen/{question.id}/reageren", {"body": "Een vast ritme helpt.", "actie": "plaatsen",
                                                             "submission_key": fresh})
    assert len(_posts(question)) == 1


def test_question_sent_twice_with_one_key_is_asked_once(cast, login):
    anna = login(cast.anna)
    form = _question_form(cast, submission_key=_key(anna.get("/vragen/nieuw")))
    first = anna.post("/vragen/nieuw", form)
    again = anna.post("/vragen/nieuw", form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 1


def test_two_sends_at_the_same_moment_with_one_key_post_once(cast, login, monkeypatch):
    """Both sends find the key unused, then both do the work: the unique key lets one of them commit."""
    question = _question(cast)
    eva = login(cast.eva)
    form = {"body": "Een vast ritme helpt.", "actie": "plaatsen",
            "submission_key": _key(eva.get(f"/vragen/{question.id}/reageren")), "csrf_token": eva.csrf()}
    both_checked = threading.Barrier(2, timeout=20)
    first_result = submissions.first_result

    checks = []

    def first_result_then_wait(user, key):
        found = first_result(user, key)
        checks.append(found)
        if len(checks) <= 2:  # the views' checks; the later one is the loser's look-up of the first result
            both_checked.wait()
        return found

    monkeypatch.setattr(submissions, "first_result", first_result_then_wait)
    responses = []

    def send():
        responses.append(eva.client.post(f"/vragen/{question.id}/reageren", data=form))

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert len(_posts(question)) == 1


def test_expired_keys_are_removed_when_a_key_is_recorded(cast):
    long_ago = utcnow() - submissions.KEY_LIFETIME - timedelta(minutes=1)
    submissions.record_result(cast.eva, "o" * 32, "/vragen/1", now=long_ago)
    submissions.record_result(cast.eva, "n" * 32, "/vragen/2", now=utcnow())
    db.session.commit()
    assert db.session.scalars(db.select(submissions.SubmissionKey.key)).all() == ["n" * 32]


def test_a_flag_sent_twice_with_one_key_is_one_flag(cast, login):
    from expertise.moderation.models import Flag

    question = _question(cast)
    eva = login(cast.eva)
    form = {"reason": "persoonsgegevens", "note": "", "submission_key": _key(eva.get(f"/vragen/{question.id}/melden"))}
    assert [eva.post(f"/vragen/{question.id}/melden", form).status_code for _ in range(2)] == [302, 302]
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 1


def test_a_consultation_sent_twice_with_one_key_is_set_up_once(cast, login):
    from expertise.consultations.models import Consultation

    cas = login(cast.cas)
    form = {"name": "Wekelijks overleg Zuilen", "weekday": "3", "start_time": "14:00", "duration_minutes": "90",
            "recurrence": "weekly", "place": "Wijkbureau", "agenda_closes_hours": "24",
            "teams": [str(cast.anna.team_id)], "experts": [str(cast.eva.id)],
            "submission_key": _key(cas.get("/overleg/nieuw"))}
    first, again = cas.post("/overleg/nieuw", form), cas.post("/overleg/nieuw", form)
    assert first.status_code == again.status_code == 302 and first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1


def test_recording_a_key_runs_no_after_commit_hooks_before_the_commit(cast):
    """A released savepoint runs the session's after-commit hooks (events, e-mail) before the real commit."""
    from sqlalchemy import event

    commits = []

    def count(session):
        commits.append(session)

    event.listen(db.session, "after_commit", count)
    try:
        submissions.record_result(cast.eva, "k" * 32, "/vragen/1", now=utcnow())
        assert commits == []
        db.session.commit()
        assert len(commits) == 1
    finally:
        event.remove(db.session, "after_commit", count)
