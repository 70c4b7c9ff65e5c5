"""Real questions for notification tests: notification.question_id is a foreign key."""
import pytest

from expertise.extensions import db

from ..factories import make_question


@pytest.fixture
def qid(cast):
    """Return a function giving the id of a question of anna's per symbolic number."""
    made = {}

    def _qid(number):
        if number not in made:
            made[number] = make_question(cast.anna, title=f"Vraag {number}").id
            db.session.commit()
        return made[number]

    return _qid
