"""Offering a closed case: scrubbed in the owner's request, reviewed, approved; who sees it when; erasure."""
import re

from expertise.extensions import db
from expertise.knowledge.models import CaseSummary, SummaryStatus

from ..factories import make_closed_case, make_resident
from ..questions.residents import find_needles

LEGACY = "Janneke de Vries-Özdemir (03-05-2010) slaapt slecht; bel vader op 06-12345678."


def _closed_case_about_resident(cast):
    resident = make_resident(cast.anna)
    question = make_closed_case(cast.anna, cast.eva, resident=resident,
                                advice="Advies: een vast ritueel voor het slapengaan.")
    # Texts written before the guard read them: the scrub must still remove the identity.
    question.situation = LEGACY
    question.outcome_note = "Met Jann​eke gaat het beter sinds 3 mei."
    db.session.commit()
    return question


def _offer(client, question):
    response = client.post(f"/vragen/{question.id}/kennisbank")
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/kennisbank/aanbod/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return db.session.get(CaseSummary, int(match.group(1)))


def _texts(summary):
    return " ".join([summary.title, summary.situation, summary.request, summary.advice, summary.outcome_note])


def _review_form(summary, **overrides):
    data = {"title": summary.title, "situation": summary.situation, "request": summary.request,
            "advice": summary.advice, "outcome_note": summary.outcome_note, "actie": "indienen"}
    data.update(overrides)
    return data


def test_offer_scrubs_the_identity_while_the_owner_can_see_it(cast, login):
    question = _closed_case_about_resident(cast)
    anna = login(cast.anna)
    summary = _offer(anna, question)
    assert find_needles(_texts(summary)) == []
    assert "06-12345678" not in summary.situation
    assert "[naam]" in summary.situation and "[datum]" in summary.situation
    assert summary.age_band == "8-11" and summary.organisations == ["Altrecht"]
    assert "Eva" not in summary.advice  # experts' names are left out
    page = anna.get(f"/kennisbank/aanbod/{summary.id}").get_data(as_text=True)
    assert "[naam]" in page and find_needles(page) == []


def test_close_form_offers_the_case_right_away(cast, login):
    from ..factories import make_post, make_question

    question = make_question(cast.anna, areas=cast.eva.expertise_areas)
    make_post(cast.eva, question, "Een advies.")
    db.session.commit()
    response = login(cast.anna).post(f"/vragen/{question.id}/afsluiten", {
        "outcome": "followed", "explanation": "Het hielp.", "offer_for_knowledge_base": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/kennisbank/aanbod/")


def test_unpublished_summary_is_seen_by_its_owner_only_and_by_moderators_once_submitted(cast, login):
    question = _closed_case_about_resident(cast)
    anna = login(cast.anna)
    summary = _offer(anna, question)
    others = [login(p) for p in (cast.bram, cast.eva, cast.olaf, cast.mila, cast.cas)]
    for client in others:
        assert client.get(f"/kennisbank/{summary.id}").status_code == 404
        assert summary.title not in client.get("/kennisbank").get_data(as_text=True)
    assert login(cast.mila).get(f"/moderatie/kennisbank/{summary.id}").status_code == 404  # a draft
    assert login(cast.bram).get(f"/kennisbank/aanbod/{summary.id}").status_code == 404
    response = anna.post(f"/kennisbank/aanbod/{summary.id}", _review_form(summary))
    assert response.status_code == 302
    db.session.expire_all()
    assert summary.status == SummaryStatus.SUBMITTED
    assert login(cast.mila).get(f"/moderatie/kennisbank/{summary.id}").status_code == 200
    assert login(cast.bram).get(f"/kennisbank/{summary.id}").status_code == 404
    # Rejected: back to the owner only.
    mila = login(cast.mila)
    assert mila.post(f"/moderatie/kennisbank/{summary.id}", {"actie": "reject", "reason": ""}).status_code == 400
    assert mila.post(f"/moderatie/kennisbank/{summary.id}", {"actie": "reject", "reason": "Te herkenbaar."}).status_code == 302
    db.session.expire_all()
    assert summary.status == SummaryStatus.REJECTED
    assert mila.get(f"/moderatie/kennisbank/{summary.id}").status_code == 404
    assert login(cast.bram).get(f"/kennisbank/{summary.id}").status_code == 404
    assert "Te herkenbaar." in anna.get(f"/kennisbank/aanbod/{summary.id}").get_data(as_text=True)
    # Submitted again and approved: everyone who reads the knowledge base sees it.
    anna.post(f"/kennisbank/aanbod/{summary.id}", _review_form(summary))
    assert mila.post(f"/moderatie/kennisbank/{summary.id}", {"actie": "approve", "reason": ""}).status_code == 302
    for person in (cast.bram, cast.eva, cast.olaf, cast.mila, cast.cas):
        page = login(person).get(f"/kennisbank/{summary.id}")
        assert page.status_code == 200 and find_needles(page.get_data(as_text=True)) == []
    assert login(cast.ada).get(f"/kennisbank/{summary.id}").status_code == 403


def test_owner_edit_with_the_identity_is_blocked_and_nothing_saved(cast, login):
    question = _closed_case_about_resident(cast)
    anna = login(cast.anna)
    summary = _offer(anna, question)
    response = anna.post(f"/kennisbank/aanbod/{summary.id}", _review_form(summary, situation="Het gaat om Janneke."))
    assert response.status_code == 400
    assert 'id="situation-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert summary.status == SummaryStatus.DRAFT and "Janneke" not in summary.situation


def test_summary_is_a_record_of_its_own(cast, login):
    question = make_closed_case(cast.anna, cast.eva)
    db.session.commit()
    summary = _offer(login(cast.anna), question)
    title = summary.title
    question.title = "Iets heel anders"
    db.session.commit()
    db.session.expire_all()
    assert summary.title == title


def test_erasing_the_resident_withdraws_unpublished_summaries(cast, login):
    question = _closed_case_about_resident(cast)
    anna = login(cast.anna)
    summary = _offer(anna, question)
    summary_id, resident_id = summary.id, question.resident_id
    response = anna.post(f"/bewoners/{resident_id}/wissen")
    assert response.status_code == 302, response.status_code
    db.session.expire_all()
    assert db.session.get(CaseSummary, summary_id) is None


def test_the_platforms_advice_headings_do_not_ask_the_owner_to_confirm(cast, login):
    question = make_closed_case(cast.anna, cast.olaf, advice="Maak een vast ritueel.")
    db.session.commit()
    anna = login(cast.anna)
    summary = _offer(anna, question)
    assert summary.advice.startswith("Youké (Opvoeding):")
    assert anna.post(f"/kennisbank/aanbod/{summary.id}", _review_form(summary)).status_code == 302
