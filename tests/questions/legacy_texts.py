"""A resident whose identity is in texts written before the guard read them (legacy data).

Shared by the erasure tests here and the byte scan in tests/core/test_erasure.py.
Every text is written straight into the rows, past the guard, as older texts
were; the identity is random, so its bytes occur nowhere else.
"""
import random
import uuid
from dataclasses import dataclass
from datetime import date

from expertise.core.markdown import render_markdown
from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.moderation.models import Flag, FlagReason
from expertise.questions.models import PostRevision

from ..factories import make_nomination, make_post, make_question, make_resident, make_series


@dataclass
class Legacy:
    resident: object
    question: object
    other_question: object
    owner_post: object
    expert_post: object
    plain_post: object
    flag: object
    item: object
    name: str
    surname: str
    disguised: str
    file_number: str

    def needles(self):
        """The bytes of every identity form written into the texts."""
        return [self.surname[3:].encode(), self.disguised.encode(), self.file_number.split("-")[1].encode(),
                b"19-07-2011", b"19 juli 2011"]


def legacy_world(cast):
    """Create anna's resident and texts about it that hold its name, date of birth and file number."""
    surname = f"Wis{uuid.uuid4().hex[:10]}"
    name = f"Ymke {surname}"
    disguised = f"Ymke {surname[:5]}\u200b{surname[5:]}"  # a zero-width space inside the surname
    file_number = f"ZU-{random.randrange(10**7, 10**8)}"
    resident = make_resident(cast.anna, {"name": name, "date_of_birth": date(2011, 7, 19).isoformat(),
                                         "file_number": file_number})
    question = make_question(cast.anna, areas=cast.eva.expertise_areas, resident=resident)
    other_question = make_question(cast.anna, title="Schoolverzuim", areas=cast.eva.expertise_areas,
                                   situation="Een meisje van 12 gaat sinds maart niet naar school.")
    question.situation = f"{name} (geboren 19-07-2011) slaapt slecht. Dossier {file_number}."
    question.situation_html = render_markdown(question.situation)
    question.outcome_note = f"Het advies hielp: {name} slaapt beter."
    owner_post = make_post(cast.anna, question, "Aanvulling volgt.")
    owner_post.body = f"Aanvulling: {disguised} is op 19 juli 2011 geboren."
    owner_post.body_html = render_markdown(owner_post.body)
    db.session.add(PostRevision(post=owner_post, editor=cast.anna, body=f"Eerder: {name}, {file_number}.",
                                created_at=utcnow()))
    expert_post = make_post(cast.eva, question, "Probeer een vast ritme.")
    expert_post.body = f"Vraag {surname} wat helpt bij het inslapen."
    expert_post.body_html = render_markdown(expert_post.body)
    plain_post = make_post(cast.eva, question, "Een vast avondritueel helpt vaak.")
    flag = Flag(question=question, post=expert_post, reporter=cast.anna, reason=FlagReason.PERSONAL_DATA.value,
                note=f"Hier staat de naam {surname} in.", created_at=utcnow())
    db.session.add(flag)
    series = make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva])
    item = make_nomination(cast.anna, question, series, note="Wat is een goede volgende stap?")
    item.discussion_note = f"Bespreek {name}, dossier {file_number}."
    db.session.commit()
    return Legacy(resident, question, other_question, owner_post, expert_post, plain_post, flag, item, name,
                  surname, disguised, file_number)
