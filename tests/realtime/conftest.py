"""Real questions for notification tests: notification.question_id is a foreign key."""
import pytest

from expertise.extensions import db

from ..factories import make_area, make_question


@pytest.fixture
def qid(cast):
    """Return a function giving the id of a question of anna's per symbolic number.

    The questions are in an area no expert has, so making them notifies nobody.
    """
    made = {}
    area = []

    def _qid(number):
        if not area:
            area.append(make_area("Gebied zonder deskundigen"))
        if number not in made:
            made[number] = make_question(cast.anna, title=f"Vraag {number}", areas=area).id
            db.session.commit()
        return made[number]

    return _qid
