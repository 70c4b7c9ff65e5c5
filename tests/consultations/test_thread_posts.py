"""Posts written from the weekly consultation and triage take the thread's one posting path.

Live event after the commit, `changed_at` for the catch-up, the owner's
notification, and the same checks as any other post.
"""
import pytest

from expertise.consultations import service
from expertise.extensions import db, socketio
from expertise.questions.models import PostStatus
from expertise.realtime.models import Notification

from ..factories import make_question
from ..moderation.test_flow import MARKETING
from .test_service import NOW, _held_meeting


@pytest.fixture
def emitted(app, monkeypatch):
    sent = []
    monkeypatch.setattr(socketio, "emit", lambda event, data, to=None: sent.append((event, data, to)))
    return sent


def _kinds(user):
    return [n.kind for n in db.session.scalars(db.select(Notification).filter_by(user_id=user.id))]


def test_consultation_advice_appears_live_in_the_thread(cast, emitted):
    _series, meeting, question, item, during = _held_meeting(cast)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 60)], now=during)
    db.session.commit()
    emitted.clear()
    post = service.record_conclusion(cast.cas, item, conclusion="Schakel de jeugd-GGZ in.", now=during)
    db.session.commit()
    live = [(data["post_id"], to) for event, data, to in emitted if event == "post_published"]
    assert live == [(post.id, f"question:{question.id}")]
    assert post.changed_at == during
    assert question.first_advice_at == during
    assert _kinds(cast.anna).count("new_advice") == 1  # told once, not twice


def test_a_triage_question_appears_live_and_tells_the_owner_once(cast, emitted):
    question = make_question(cast.anna, now=NOW)
    db.session.commit()
    emitted.clear()
    post = service.ask_sharpening_question(cast.cas, question, body="Gaat het om school of thuis?", now=NOW)
    db.session.commit()
    assert [data["post_id"] for event, data, _to in emitted if event == "post_published"] == [post.id]
    assert post.changed_at == NOW
    assert _kinds(cast.anna).count("new_reply") == 1


def test_consultation_advice_passes_the_same_checks_as_any_post(cast, emitted):
    _series, meeting, question, item, during = _held_meeting(cast)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 60)], now=during)
    post = service.record_conclusion(cast.cas, item, conclusion=MARKETING, now=during)
    db.session.commit()
    assert post.status == PostStatus.HELD
    assert not [e for e, _d, _t in emitted if e == "post_published"]
    assert "held_post" in _kinds(cast.mila)


def test_the_list_of_experts_present_is_not_taken_for_personal_data(cast):
    _series, meeting, question, item, during = _held_meeting(cast)
    service.record_attendance(cast.cas, meeting, [(cast.eva, True, 60), (cast.olaf, True, 60)], now=during)
    post = service.record_conclusion(cast.cas, item, conclusion="Schakel de jeugd-GGZ in.", now=during)
    assert post.status == PostStatus.PUBLISHED and "Eva Deskundige" in post.body
