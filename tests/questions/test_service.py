"""Rules with time in them (edit window, working days) and the thread's depth limit."""
from datetime import datetime, timedelta, timezone

import pytest

from expertise.core.time import AMSTERDAM
from expertise.extensions import db
from expertise.questions import service
from expertise.questions.models import Question

from .. import factories


def ams(*args):
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(timezone.utc)


@pytest.mark.parametrize("published,urgency,due", [
    (ams(2026, 11, 20, 10, 0), "normal", ams(2026, 11, 24, 10, 0)),  # Friday → Tuesday
    (ams(2026, 11, 20, 10, 0), "urgent", ams(2026, 11, 23, 10, 0)),  # Friday → Monday
    (ams(2026, 11, 21, 15, 0), "urgent", ams(2026, 11, 24, 0, 0)),   # Saturday → end of Monday
    (ams(2026, 11, 22, 15, 0), "normal", ams(2026, 11, 25, 0, 0)),   # Sunday → end of Tuesday
    (ams(2026, 11, 18, 9, 30), "normal", ams(2026, 11, 20, 9, 30)),  # Wednesday → Friday
    (ams(2026, 3, 27, 12, 0), "normal", ams(2026, 3, 31, 12, 0)),    # across the switch to summer time
    (ams(2026, 4, 2, 11, 0), "normal", ams(2026, 4, 8, 11, 0)),      # Thursday → Wednesday: Good Friday, Easter Monday
    (ams(2026, 12, 24, 16, 0), "urgent", ams(2026, 12, 28, 16, 0)),  # Christmas Eve → Monday after Christmas
    (ams(2026, 4, 26, 9, 0), "urgent", ams(2026, 4, 29, 0, 0)),      # Sunday before King's Day → end of Tuesday
])
def test_advice_is_due_after_working_days_skipping_the_weekend(published, urgency, due):
    assert service.advice_due(published, urgency) == due


def test_question_becomes_overdue_only_after_the_weekend(cast):
    friday = ams(2026, 11, 20, 10, 0)
    question = factories.make_question(cast.anna, now=friday)
    assert not service.is_overdue(question, ams(2026, 11, 23, 18, 0))  # Monday evening
    assert not service.is_overdue(question, ams(2026, 11, 24, 9, 59))
    assert service.is_overdue(question, ams(2026, 11, 24, 10, 0))  # Tuesday 10:00
    factories.make_post(cast.eva, question, now=ams(2026, 11, 25, 8, 0))
    assert not service.is_overdue(question, ams(2026, 11, 25, 9, 0))  # advised: no longer overdue


def test_overdue_filter_uses_now(cast):
    friday = ams(2026, 11, 20, 10, 0)
    factories.make_question(cast.anna, now=friday, title="Vrijdagvraag")
    db.session.commit()
    monday = service.find_questions(cast.cas, now=ams(2026, 11, 23, 12, 0), overdue=True)
    tuesday = service.find_questions(cast.cas, now=ams(2026, 11, 24, 12, 0), overdue=True)
    assert monday.total == 0 and tuesday.total == 1


def test_author_may_edit_within_30_minutes_and_not_after(cast):
    posted = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    question = factories.make_question(cast.anna, now=posted)
    advice = factories.make_post(cast.eva, question, "Eerste tekst", now=posted)
    service.edit_post(cast.eva, advice, body="Tweede tekst", now=posted + timedelta(minutes=30))
    assert advice.body == "Tweede tekst" and len(advice.revisions) == 1
    assert advice.revisions[0].body == "Eerste tekst"
    with pytest.raises(service.QuestionError):
        service.edit_post(cast.eva, advice, body="Derde tekst", now=posted + timedelta(minutes=30, seconds=1))
    with pytest.raises(service.QuestionError):
        service.edit_post(cast.olaf, advice, body="Niet van mij", now=posted + timedelta(minutes=1))
    assert advice.body == "Tweede tekst"


def test_edit_window_through_http_with_a_post_from_an_hour_ago(cast, login):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    advice = factories.make_post(cast.eva, question, "Oud advies", now=datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    eva = login(cast.eva)
    assert eva.get(f"/berichten/{advice.id}/bewerken").status_code == 302
    assert eva.post(f"/berichten/{advice.id}/bewerken", {"body": "Nieuw", "actie": "plaatsen"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(advice), advice.id).body == "Oud advies"


def test_replies_deeper_than_four_levels_attach_to_the_deepest_level(cast):
    question = factories.make_question(cast.anna)
    post = factories.make_post(cast.eva, question, "niveau 0")
    chain = [post]
    for level in range(1, 7):
        chain.append(factories.make_post(cast.anna if level % 2 else cast.olaf, question, f"niveau {level}", parent=chain[-1]))
    assert [p.depth for p in chain] == [0, 1, 2, 3, 3, 3, 3]
    assert chain[4].parent_id == chain[2].id  # next to the level-3 post it answers
    thread = service.load_thread(question)
    assert max(p.depth for p in thread.posts) == service.MAX_DEPTH


def test_top_level_posts_are_for_experts_and_the_owner(cast):
    question = factories.make_question(cast.anna)
    with pytest.raises(service.QuestionError):
        factories.make_post(cast.mila, question, "Moderator begint een draad")
    note = factories.make_post(cast.anna, question, "Aanvulling: vader is weer in beeld.")
    assert note.kind == "comment" and note.team_id == cast.anna.team_id
    assert question.status == "open"  # an addition is not advice


def test_post_question_refuses_people_without_a_team(cast):
    with pytest.raises(service.QuestionError):
        factories.make_question(cast.eva)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_hand_over_refuses_colleagues_of_other_teams_and_non_owners(cast):
    from expertise.accounts.models import Role

    question = factories.make_question(cast.anna)
    colleague = factories.make_user("Chris", [Role.FAMILY_WORKER], team=cast.anna.team)
    now = datetime.now(timezone.utc)
    with pytest.raises(service.QuestionError):
        service.hand_over_question(cast.anna, question, cast.bram, now)
    with pytest.raises(service.QuestionError):
        service.hand_over_question(colleague, question, colleague, now)
    with pytest.raises(service.QuestionError):
        service.hand_over_question(cast.anna, question, cast.eva, now)
    service.hand_over_question(cast.anna, question, colleague, now)
    assert question.owner_id == colleague.id


def test_deduce_reads_a_post_before_anything_of_it_is_written(cast, monkeypatch):
    """On SQLite a transaction holds the write lock from its first write: deduce's wait must come before it."""
    from expertise.moderation import service as moderation

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    question = factories.make_question(cast.anna)
    db.session.commit()
    seen = []

    class WatchingQuery:
        def spans(self):
            seen.append(db.session.connection().connection.dbapi_connection.in_transaction)
            return []

        def close(self):
            pass

    monkeypatch.setattr(moderation, "_ask_deduce", lambda text: WatchingQuery())
    post = factories.make_post(cast.eva, question, body="Een vast ritme helpt.")
    db.session.commit()
    assert seen == [False] and post.id is not None
