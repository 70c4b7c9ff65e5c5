"""The guard reads a text as a reader sees it (issue 24 item 4, issue 26 item 1).

Disguises that leave the resident's identity readable on the page must still block:
Markdown splitting a name ("Siet*ske* Wol**derink**"), invisible characters (zero-width
space and joiner, soft hyphen, also as `&shy;`), look-alike letters from another script,
HTML entities in a file number or BSN, full-width letters. A hit that only the rendered
text shows (a link splitting a name) blocks by category, with nothing highlighted.
"""
from datetime import date

import pytest

from expertise.moderation.pii import KnownIdentity
from expertise.questions import guard

from .residents import ask, count_questions, question_from

SIETSKE = KnownIdentity("Sietske Wolderink", date(2011, 9, 21), "ZU-55301")

# (disguised text, the category it must block as): the resident of the probe.
DISGUISES = [
    ("Siet*ske* Wol**derink** slaapt slecht.", "person_name"),
    ("Zij is _Wol_derink van achteren.", "person_name"),
    ("Siet\u200bske slaapt slecht.", "person_name"),  # zero-width space
    ("Siet\u200dske slaapt slecht.", "person_name"),  # zero-width joiner
    ("Wol\u00adderink slaapt slecht.", "person_name"),  # soft hyphen
    ("Wol&shy;derink slaapt slecht.", "person_name"),  # soft hyphen as an entity
    ("Si\u0435tske slaapt slecht.", "person_name"),  # Cyrillic е
    ("W\u043elderink slaapt slecht.", "person_name"),  # Cyrillic о
    ("\uff33\uff49\uff45\uff54\uff53\uff4b\uff45 slaapt slecht.", "person_name"),  # full-width
    ("Dossier ZU-5&#53;301 is bekend.", "case_number"),
    ("Dossier ZU-&#x35;5301 is bekend.", "case_number"),
    ("Dossier ZU-553\u200b01 is bekend.", "case_number"),
    ("Geboren 21-0\u200b9-2011.", "date"),
    ("Zijn nummer is 1112&#50;2333.", "bsn"),
    ("Zijn nummer is 111\u200b222333.", "bsn"),
]


@pytest.mark.parametrize("text,category", DISGUISES, ids=[repr(t) for t, _ in DISGUISES])
def test_every_disguise_still_blocks_and_maps_back_to_the_typed_text(text, category):
    report = guard.inspect_texts({"body": text}, SIETSKE)
    found = report.fields["body"]
    assert {s.type for s in found.blocking} == {category}
    assert found.warnings == [] or all(s.type != category for s in found.warnings)
    # The span is of the typed text, so highlighting and pseudonymising work on it.
    (span,) = found.blocking
    assert span.text == text[span.start:span.end]
    pseudonymised = guard.pseudonymise_texts({"body": text}, SIETSKE)["body"]
    assert guard.inspect_texts({"body": pseudonymised}, SIETSKE).blocked is False
    with pytest.raises(guard.PersonalDataBlocked):
        guard.check_texts({"body": text}, SIETSKE, confirmed=True)


def test_the_undisguised_text_as_control_blocks_too_and_a_harmless_text_passes():
    assert guard.inspect_texts({"body": "Sietske Wolderink slaapt slecht."}, SIETSKE).blocked
    assert not guard.inspect_texts({"body": "Het kind slaapt *slecht* sinds de verhuizing."}, SIETSKE).blocked


def test_markdown_that_splits_the_name_across_a_link_blocks_by_category_without_a_span():
    text = "[Siet](https://example.org)ske Wolder[ink](https://example.org) slaapt slecht."
    found = guard.inspect_texts({"body": text}, SIETSKE).fields["body"]
    assert "person_name" in found.unmapped or any(s.type == "person_name" for s in found.blocking)
    report = guard.inspect_texts({"body": text}, SIETSKE)
    assert report.blocked and "de naam van de bewoner" in [str(c) for c in report.blocking_categories("body")]


def test_the_split_name_of_the_probe_is_refused_through_the_question_form(cast, login):
    anna = login(cast.anna)
    response = ask(anna, cast, situation="Het gaat om Jan*neke*, die slecht slaapt.")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and count_questions() == 0
    assert "Deze tekst bevat de naam van de bewoner." in text
    assert "Jan*neke*" in text  # the form keeps the text as typed


@pytest.mark.parametrize("situation", [
    "Het gaat om Jan\u200bneke, die slecht slaapt.",
    "Het gaat om Jann\u0435ke, die slecht slaapt.",  # Cyrillic е
    "Het gaat om Jan&shy;neke, die slecht slaapt.",
    "Dossier J-2023-04&#53;1 is bekend.",
], ids=["zero-width", "cyrillic", "soft-hyphen-entity", "entity-in-file-number"])
def test_a_disguised_identity_blocks_even_after_confirming(situation, cast, login):
    response = ask(login(cast.anna), cast, situation=situation, pii_confirmed="y")
    assert response.status_code == 200 and count_questions() == 0
    assert "Niet geplaatst: de tekst maakt de bewoner herkenbaar" in response.get_data(as_text=True)


def test_a_disguised_name_in_the_closing_feedback_is_refused(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    response = anna.post(f"/vragen/{question.id}/afsluiten",
                         {"outcome": "followed", "explanation": "Jan*neke* slaapt nu goed.", "pii_confirmed": "y"})
    assert response.status_code == 200
    assert 'id="explanation-error"' in response.get_data(as_text=True)
    assert question_from_db(question).outcome_note == ""


def question_from_db(question):
    from expertise.extensions import db
    from expertise.questions.models import Question

    db.session.expire_all()
    return db.session.get(Question, question.id)


def test_an_experts_post_with_a_disguised_name_is_still_held(cast, login):
    from expertise.extensions import db
    from expertise.questions.models import Post, PostStatus

    question = question_from(ask(login(cast.anna), cast))
    response = login(cast.eva).post(f"/vragen/{question.id}/reageren", {
        "body": "Overleg met haar tante Fa\u200btima Schuur\u0445uis over de opvang.", "actie": "plaatsen"})
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.scalars(db.select(Post).filter_by(author_id=cast.eva.id)).one()
    assert post.status == PostStatus.HELD


def test_a_name_only_the_rendered_page_shows_is_refused_and_explained_without_a_mark(cast, login):
    response = ask(login(cast.anna), cast,
                   situation="Het gaat om [Jan](https://example.org)neke, die slecht slaapt.")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and count_questions() == 0
    assert "Deze tekst bevat de naam van de bewoner." in text
    assert "niet gemarkeerd: pas de opmaak aan" in text
