"""Shared pieces of the tests about a question's resident: the form, the needles, a colleague."""
import re

from expertise.extensions import db
from expertise.questions.models import Question

from ..factories import IDENTITY, ensure_recovery_key
from ..vault.helpers import make_colleague  # noqa: F401  (re-exported)

# Every way the resident's identity could leak: each name part (with and
# without diacritics), the date of birth in every usual format, the file
# number with and without separators.
NEEDLES = [
    "Janneke", "Vries-Özdemir", "Özdemir", "Ozdemir", "Vries",
    "2010-05-03", "03-05-2010", "3-5-2010", "03/05/2010", "3/5/2010", "3 mei 2010", "03.05.2010",
    "20100503", "03052010", "J-2023-0451", "J20230451", "J 2023 0451",
]


def find_needles(text):
    """Return the needles found in `text` (case-insensitive)."""
    lowered = text.lower()
    return [n for n in NEEDLES if n.lower() in lowered]


def question_form(cast, **overrides):
    """Return the form of a complete question about a new resident (IDENTITY)."""
    data = {
        "title": "Driftbuien bij een jongen van 9",
        "situation": "Sinds de scheiding van de ouders heeft hij dagelijks driftbuien.",
        "request": "Welke aanpak helpt de moeder thuis?",
        "child_age": "9",
        "child_gender": "boy",
        "areas": [str(a.id) for a in cast.eva.expertise_areas + cast.olaf.expertise_areas],
        "urgency": "normal",
        "visibility": "team",
        "family_consent": "y",
        "resident": "nieuw",
        "new_name": IDENTITY["name"],
        "new_date_of_birth": IDENTITY["date_of_birth"],
        "new_file_number": IDENTITY["file_number"],
        "actie": "plaatsen",
    }
    data.update(overrides)
    return data


def ask(client, cast, **overrides):
    """Post a question about a new resident as `client`; return the response."""
    ensure_recovery_key()
    db.session.commit()
    return client.post("/vragen/nieuw", question_form(cast, **overrides))


def question_from(response):
    match = re.fullmatch(r"/vragen/(\d+)", response.headers.get("Location", ""))
    assert match, response.headers.get("Location")
    db.session.expire_all()
    return db.session.get(Question, int(match.group(1)))


def count_questions():
    return db.session.scalar(db.select(db.func.count(Question.id)))
