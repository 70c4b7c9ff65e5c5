"""The personal-data guard on the owner's texts, through HTTP (T-14 and the warning flow)."""
import pytest

from expertise.extensions import db
from expertise.questions.models import Post, Question

from ..factories import make_post
from .residents import ask, count_questions, question_form, question_from


def _posts_by(user):
    return db.session.scalars(db.select(Post).filter_by(author_id=user.id)).all()


# Every variant of the resident's identity the matcher must catch (T-14):
# lower case, without diacritics, initials, a typo, a diminutive, the date in
# six formats and the file number without separators.
IDENTITY_VARIANTS = [
    ("janneke de vries-ozdemir", "de naam van de bewoner"),
    ("JANNEKE", "de naam van de bewoner"),
    ("J. de Vries", "de naam van de bewoner"),
    ("ozdemir", "de naam van de bewoner"),
    ("Jannneke", "de naam van de bewoner"),
    ("03-05-2010", "de geboortedatum"),
    ("3-5-2010", "de geboortedatum"),
    ("3/5/10", "de geboortedatum"),
    ("2010-05-03", "de geboortedatum"),
    ("3 mei 2010", "de geboortedatum"),
    ("03052010", "de geboortedatum"),
    ("J20230451", "het dossiernummer"),
    ("j 2023 0451", "het dossiernummer"),
]


@pytest.mark.parametrize("variant,category", IDENTITY_VARIANTS, ids=[v for v, _ in IDENTITY_VARIANTS])
def test_the_residents_identity_in_the_text_blocks_posting(variant, category, cast, login):
    response = ask(login(cast.anna), cast, situation=f"Het gaat om {variant}, die slecht slaapt.")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Niet geplaatst: de tekst maakt de bewoner herkenbaar" in text
    assert f"Deze tekst bevat {category}." in text
    assert count_questions() == 0


def test_the_identity_in_the_title_blocks_and_names_every_category_found(cast, login):
    response = ask(login(cast.anna), cast, title="Janneke, geboren 3 mei 2010")
    text = response.get_data(as_text=True)
    assert "Deze tekst bevat de naam van de bewoner en de geboortedatum." in text
    assert count_questions() == 0


def test_the_identity_blocks_even_after_confirming(cast, login):
    response = ask(login(cast.anna), cast, situation="Janneke slaapt slecht.", pii_confirmed="y")
    assert response.status_code == 200 and count_questions() == 0


def test_a_valid_bsn_blocks_spaced_or_not_an_invalid_one_does_not(cast, login):
    anna = login(cast.anna)
    for bsn in ("111222333", "1112 22 333", "111.222.333"):
        response = ask(anna, cast, resident="", situation=f"Zijn nummer is {bsn}.")
        assert "Deze tekst bevat een burgerservicenummer (BSN)." in response.get_data(as_text=True), bsn
    assert count_questions() == 0
    response = ask(anna, cast, resident="", situation="Het dossier telt 123456789 tekens.")
    assert response.status_code == 302


def test_other_personal_data_warns_with_highlights_and_posts_after_confirming(cast, login):
    anna = login(cast.anna)
    situation = "Moeder belt vaak met 06-12345678 en woont op de Amsterdamsestraatweg 12."
    response = ask(anna, cast, situation=situation)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Controleer de gemarkeerde gegevens" in text
    assert '<mark class="pii pii--phone">06-12345678</mark><span class="pii__kind"> [telefoonnummer]</span>' in text
    assert "Gebruik de gepseudonimiseerde tekst" in text
    assert "Dit zijn geen herleidbare gegevens" in text
    assert count_questions() == 0

    response = ask(anna, cast, situation=situation, pii_confirmed="y")
    assert response.status_code == 302
    question = question_from(response)
    assert question.pii_check == {"warned": {"address": 1, "phone": 1}, "confirmed": True}
    assert question.situation == situation


def test_the_pseudonymised_version_replaces_the_suspected_parts_in_one_click(cast, login):
    anna = login(cast.anna)
    response = ask(anna, cast, situation="Zijn zusje Fleur (6) slaapt bij oma; bel 06-12345678.",
                   actie="pseudonimiseren")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Zijn zusje [naam] (6) slaapt bij oma; bel [telefoonnummer]." in text
    assert "Fleur" not in text and "06-12345678" not in text
    assert count_questions() == 0
    response = ask(anna, cast, situation="Zijn zusje [naam] (6) slaapt bij oma; bel [telefoonnummer].")
    assert response.status_code == 302
    assert question_from(response).pii_check == {"warned": {}, "confirmed": False}


def test_the_pseudonymised_version_also_removes_the_residents_identity(cast, login):
    response = ask(login(cast.anna), cast, situation="Janneke (geboren 03-05-2010) slaapt slecht.",
                   actie="pseudonimiseren")
    text = response.get_data(as_text=True)
    assert "[naam] (geboren [datum]) slaapt slecht." in text


def test_the_highlighted_preview_is_escaped(cast, login):
    response = ask(login(cast.anna), cast, situation="<script>alert(1)</script> bel 06-12345678")
    text = response.get_data(as_text=True)
    report = text[text.index('class="guard-report'):text.index("</section>", text.index('class="guard-report'))]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "<script>alert" not in report


def test_owner_reply_with_the_residents_name_is_blocked(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    response = anna.post(f"/vragen/{question.id}/reageren", {"body": "Janneke wil niet naar school.", "actie": "plaatsen"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Deze tekst bevat de naam van de bewoner." in text
    assert response.headers["Cache-Control"] == "no-store"
    assert _posts_by(cast.anna) == []


def test_owner_reply_with_other_personal_data_warns_then_posts_with_the_confirmation_recorded(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    body = "Je kunt moeder bellen op 06-12345678."
    response = anna.post(f"/vragen/{question.id}/reageren", {"body": body, "actie": "plaatsen"})
    assert "Controleer de gemarkeerde gegevens" in response.get_data(as_text=True)
    assert _posts_by(cast.anna) == []
    response = anna.post(f"/vragen/{question.id}/reageren", {"body": body, "actie": "plaatsen", "pii_confirmed": "y"})
    assert response.status_code == 302
    (post,) = _posts_by(cast.anna)
    assert post.pii_check == {"warned": {"phone": 1}, "confirmed": True}


def test_owner_cannot_edit_her_reply_to_contain_the_identity(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    post = make_post(cast.anna, db.session.get(Question, question.id), "Dank voor het meedenken.")
    db.session.commit()
    response = anna.post(f"/berichten/{post.id}/bewerken", {"body": "Dank, Janneke slaapt nu beter.", "actie": "plaatsen"})
    assert "Deze tekst bevat de naam van de bewoner." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "Dank voor het meedenken."


def test_an_experts_advice_is_not_held_by_the_owners_guard(cast, login):
    question = question_from(ask(login(cast.anna), cast))
    response = login(cast.eva).post(f"/vragen/{question.id}/reageren",
                                    {"body": "Bel gerust 030-1234567 voor overleg.", "actie": "plaatsen"})
    assert response.status_code == 302  # other people's posts: the moderation area decides


def test_only_categories_and_counts_are_stored(cast, login):
    anna = login(cast.anna)
    response = ask(anna, cast, situation="Oma Fleur belt met 06-12345678.", pii_confirmed="y")
    question = question_from(response)
    stored = str(question.pii_check)
    assert "Fleur" not in stored and "06-12345678" not in stored
    assert set(question.pii_check) == {"warned", "confirmed"}
    assert all(isinstance(v, int) for v in question.pii_check["warned"].values())


def test_a_draft_is_checked_too(cast, login):
    response = ask(login(cast.anna), cast, actie="concept", situation="Janneke slaapt slecht.")
    assert response.status_code == 200 and count_questions() == 0
    assert question_form  # the same form as publishing
