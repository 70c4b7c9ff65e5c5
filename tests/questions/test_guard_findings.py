"""The guard's warning names the exact words, in context, to their author alone (issues 19 and 23).

Also: pronouns are no names, the platform's own users are not flagged for their own name,
and the resident is always caught, whatever name a user has.
"""
import html

from markupsafe import escape

from expertise.accounts.models import Role
from expertise.extensions import db
from expertise.moderation.pii import BOTH, DEDUCE, RULES, Span, find_warnings
from expertise.questions.models import Post, PostStatus, Question

from ..factories import make_user
from .residents import ask, count_questions, question_from

SITUATION = "Eens met Eva: moeder zegt 'Je bent boos' tegen hem. Bel haar op 06-12345678."


def test_spans_name_their_detector_and_deduce_fills_what_the_rules_miss():
    text = "Zijn vriend Kerem (9) woont op Kanaalweg 12 bij Veilig Thuis in de buurt; moeder heet Xylofa."
    deduce = [Span(12, 17, "person_name", "Kerem", DEDUCE), Span(19, 20, "age", "9", DEDUCE),
              Span(86, 92, "person_name", "Xylofa", DEDUCE), Span(48, 60, "institution", "Veilig Thuis", DEDUCE)]
    found = {(s.text, s.type): s.detector for s in find_warnings(text, deduce)}
    assert found[("Kerem", "person_name")] == BOTH
    assert found[("Kanaalweg 12", "address")] == RULES
    assert found[("9", "age")] == DEDUCE  # an age right after a name
    assert ("Veilig Thuis", "institution") not in found  # a public organisation
    assert ("Xylofa", "person_name") in found
    alone = "Een jongen van 14 jaar."
    assert find_warnings(alone, [Span(15, 17, "age", "14", DEDUCE)]) == []  # an age alone identifies nobody


def test_pronouns_after_a_quote_bracket_or_semicolon_are_no_names():
    for text in ("Zeg eens 'Je bent boos' tegen hem.", "Benoem het (Jij mag boos zijn) en wacht.",
                 "Valideer het; Je bent boos, dat snap ik.", "Zeg „Wij helpen je” en wacht."):
        assert find_warnings(text) == [], text
    assert [s.text for s in find_warnings("Zeg 'Je bent boos' tegen Fleur.")] == ["Fleur"]


def test_the_warning_marks_each_word_in_context_and_keeps_the_text(cast, login):
    response = ask(login(cast.anna), cast, situation=SITUATION)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and count_questions() == 0
    report = page[page.index('class="guard-report'):page.index("</section>", page.index('class="guard-report'))]
    # The exact words, their kind in words (not colour alone) and the detector, in Dutch.
    assert "Telefoonnummer:</strong>" in report
    assert '<mark class="pii pii--phone">06-12345678</mark>' in report
    assert "gevonden door: vaste regels" in report
    assert html.escape("“06-12345678” (telefoonnummer)") in page  # next to the field too
    # Eva is a user of the platform and "Je" a pronoun: neither is marked.
    assert "pii--person_name" not in report
    # The text stays on the form as typed.
    assert str(escape(SITUATION)) in page[page.index("<textarea"):]


def test_a_users_name_is_not_flagged_but_a_relative_or_the_resident_with_that_name_is(cast, login):
    make_user("Janneke Jansen", [Role.EXPERT], email="janneke@example.test")  # the resident's first name
    db.session.commit()
    anna = login(cast.anna)
    blocked = ask(anna, cast, situation="Volgens Janneke slaapt hij slecht.").get_data(as_text=True)
    assert "Deze tekst bevat de naam van de bewoner." in blocked  # the resident's identity always blocks
    warned = ask(anna, cast, situation="Zijn zusje Eva (12) slaapt slecht.").get_data(as_text=True)
    assert '<mark class="pii pii--person_name">Eva</mark>' in warned  # Eva is a user, but here a relative
    assert count_questions() == 0
    assert ask(anna, cast, situation="Eens met Eva Deskundige, hij slaapt slecht.").status_code == 302


def test_an_advisers_post_naming_a_colleague_is_published_one_naming_a_child_is_held(cast, login):
    question = question_from(ask(login(cast.anna), cast))
    eva = login(cast.eva)
    eva.post(f"/vragen/{question.id}/reageren", {"body": "Eens met Olaf, dat werkt.", "actie": "plaatsen"})
    eva.post(f"/vragen/{question.id}/reageren", {"body": "Ik ken zijn zusje Fleur (6) van school.", "actie": "plaatsen"})
    posts = {p.body: p.status for p in db.session.scalars(db.select(Post).filter_by(author_id=cast.eva.id))}
    assert posts == {"Eens met Olaf, dat werkt.": PostStatus.PUBLISHED.value,
                     "Ik ken zijn zusje Fleur (6) van school.": PostStatus.HELD.value}


def test_the_found_words_of_a_held_post_are_shown_to_its_author_and_nobody_else(cast, login):
    question = question_from(ask(login(cast.anna), cast))
    eva = login(cast.eva)
    eva.post(f"/vragen/{question.id}/reageren", {"body": "Ik ken zijn zusje Fleur (6) van school.", "actie": "plaatsen"})
    marked = '<mark class="pii pii--person_name">Fleur</mark>'
    assert marked in eva.get(f"/vragen/{question.id}").get_data(as_text=True)
    for user in (cast.anna, cast.olaf, cast.mila):
        page = login(user).get(f"/vragen/{question.id}").get_data(as_text=True)
        assert marked not in page and "gevonden door" not in page, user.name


def test_an_owners_warning_leaks_into_no_page_for_others(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    body = "Oma Fleur belt met 06-12345678."
    assert "pii--phone" in anna.post(f"/vragen/{question.id}/reageren", {"body": body, "actie": "plaatsen"}).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id) is not None
    for user in (cast.eva, cast.olaf, cast.mila, cast.cas):
        page = login(user).get(f"/vragen/{question.id}").get_data(as_text=True)
        assert "Fleur" not in page and "06-12345678" not in page, user.name


def test_a_name_after_a_title_abbreviation_does_not_count_as_a_sentence_opener():
    # "mw." ends in a full stop; the one-word-opener filter used to drop the name after it.
    assert [s.text for s in find_warnings("Ik sprak mw. Kowalski over het gezin.")] == ["Kowalski"]
    assert [s.text for s in find_warnings("Ik sprak mw. Boom over het gezin.")] == ["Boom"]  # a title: a name
