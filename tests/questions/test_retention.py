"""Retention of case text (F18): `flask vault purge` empties the texts of questions closed long ago.

The texts and thread of a question closed more than CASE_TEXT_RETENTION_DAYS
ago are emptied, leaving nothing of them in the database files; younger
closed questions and open ones keep theirs; a published knowledge-base
summary is a record of its own and stays.
"""
from datetime import timedelta

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.knowledge import service as knowledge
from expertise.moderation.models import Flag, FlagReason
from expertise.questions import service
from expertise.questions.models import Post, PostRevision

from ..core.test_erasure import _marker, assert_erased_from_disk
from ..factories import make_closed_case, make_question


def _purge(app):
    result = app.test_cli_runner().invoke(args=["vault", "purge"])
    assert result.exit_code == 0, result.output
    return result.output


def test_purge_empties_the_texts_of_questions_closed_past_retention_and_nothing_is_left_on_disk(app, cast):
    word, needle = _marker()
    long_ago = utcnow() - timedelta(days=app.config["CASE_TEXT_RETENTION_DAYS"] + 5)
    old = make_closed_case(cast.anna, cast.eva, title=f"Oude casus {word}", situation=f"Situatie met {word}.",
                           advice=f"Advies over {word}.", now=long_ago)
    post = db.session.scalars(db.select(Post).filter_by(question_id=old.id)).one()
    db.session.add(PostRevision(post_id=post.id, editor_id=cast.eva.id, body=f"Eerdere tekst {word}.", created_at=long_ago))
    db.session.add(Flag(question_id=old.id, post_id=post.id, reporter_id=cast.olaf.id, reason=FlagReason.OTHER.value,
                        note=f"Melding {word}", created_at=long_ago))
    # The summary (scrubbed of the marker word) is a record of its own.
    summary = knowledge.build_summary(cast.anna, old, scrub=lambda text: text.replace(word, "slapen"), now=long_ago)
    knowledge.submit_summary(cast.anna, summary, long_ago)
    knowledge.decide_summary(cast.mila, summary, approve=True, reason="", now=long_ago)
    recent = make_closed_case(cast.anna, cast.eva, title="Recente casus", now=utcnow() - timedelta(days=30))
    still_open = make_question(cast.anna, title="Lopende vraag", now=long_ago)
    db.session.commit()
    assert "Emptied the texts of 1 closed questions." in _purge(app)
    db.session.expire_all()
    assert old.title == service.RETAINED_TITLE and old.situation == "" and old.request == "" and old.outcome_note == ""
    assert old.texts_erased_at is not None and old.outcome == "followed"  # the figures keep what they need
    assert [p.body for p in old.posts] == [""] and old.posts[0].revisions == []
    assert recent.title == "Recente casus" and still_open.title == "Lopende vraag"
    assert knowledge.find_summaries(text="oude casus slapen").items == [summary]  # the summary stays
    assert service.find_questions(cast.eva, now=utcnow(), search=word, statuses=()).total == 0
    assert_erased_from_disk(app, [needle])
    assert "Emptied the texts of 0 closed questions." in _purge(app)  # nothing twice
