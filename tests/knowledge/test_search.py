"""/kennisbank finds inflected Dutch forms (SQLite FTS5 and PostgreSQL 'dutch'), filters, sorts; similar cases."""
from datetime import timedelta

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.knowledge import service
from expertise.knowledge.models import AnswerFound

from ..factories import make_closed_case, make_published_summary, make_question


def _publish(cast, title, situation, *, age=9, now=None):
    question = make_closed_case(cast.anna, cast.eva, title=title, situation=situation, child_age=age, now=now)
    return make_published_summary(cast.anna, cast.mila, question, now=now)


def _titles(page):
    return [s.title for s in page.items]


def test_search_finds_inflected_dutch_forms(cast):
    _publish(cast, "Ouders weten niet hoe ze moeten opvoeden", "Twee pubers negeren elke afspraak.")
    _publish(cast, "Slaapproblemen", "Het kind slaapt slecht na de verhuizing.")
    db.session.commit()
    assert _titles(service.find_summaries(text="opvoeding")) == ["Ouders weten niet hoe ze moeten opvoeden"]
    assert _titles(service.find_summaries(text="puber")) == ["Ouders weten niet hoe ze moeten opvoeden"]
    assert _titles(service.find_summaries(text="verhuizen")) == ["Slaapproblemen"]
    assert service.find_summaries(text="opvoeding slaapproblemen").total == 0  # every word must match


def test_search_reads_the_advice_and_outcome_too(cast):
    _publish(cast, "Driftbuien", "Driftbuien na de scheiding.")
    db.session.commit()
    assert _titles(service.find_summaries(text="ritme")) == ["Driftbuien"]  # in the advice
    assert _titles(service.find_summaries(text="hielp")) == ["Driftbuien"]  # in the outcome


def test_search_never_shows_unpublished_summaries(cast):
    from expertise.knowledge import scrub

    question = make_closed_case(cast.anna, cast.eva, title="Geheim concept over driftbuien")
    service.build_summary(cast.anna, question, scrub=scrub.scrub_text, now=utcnow())
    db.session.commit()
    assert service.find_summaries(text="driftbuien").total == 0
    assert service.find_summaries().total == 0


def test_filters_by_area_and_age_band_and_sorts_by_date_or_relevance(cast):
    now = utcnow()
    old = _publish(cast, "Driftbuien bij een peuter", "Driftbuien.", age=2, now=now - timedelta(days=3))
    new = _publish(cast, "Ruzie", "Soms driftbuien, vooral ruzie en driftbuien en nog eens driftbuien.", age=14, now=now)
    db.session.commit()
    assert _titles(service.find_summaries(band="0-3")) == [old.title]
    assert _titles(service.find_summaries(area_id=cast.eva.expertise_areas[0].id)) == [new.title, old.title]
    assert service.find_summaries(area_id=cast.olaf.expertise_areas[0].id).total == 0
    assert _titles(service.find_summaries(text="driftbuien", sort="newest")) == [new.title, old.title]
    assert set(_titles(service.find_summaries(text="driftbuien", sort="relevance"))) == {new.title, old.title}


def test_search_page_shows_organisations_and_outcome(cast, login):
    _publish(cast, "Ouders weten niet hoe ze moeten opvoeden", "Pubers.")
    db.session.commit()
    page = login(cast.olaf).get("/kennisbank?q=opvoeding&sortering=datum").get_data(as_text=True)
    assert "Ouders weten niet hoe ze moeten opvoeden" in page
    assert "Advies van Altrecht" in page and "Uitkomst: Gevolgd" in page


def test_query_syntax_is_searched_as_words(cast, login):
    _publish(cast, "Driftbuien", "Driftbuien.")
    db.session.commit()
    for text in ['"', "NEAR(a b)", "drift* OR", "a & b | !c", "'); DROP TABLE case_summary; --"]:
        assert login(cast.olaf).get("/kennisbank", query_string={"q": text}).status_code == 200


def test_similar_cases_rank_by_any_telling_word_and_include_the_teams_open_questions(cast, login):
    _publish(cast, "Driftbuien na de scheiding", "Sinds de scheiding heeft de jongen driftbuien.")
    _publish(cast, "Schulden", "Moeder heeft schulden.")
    carla = cast.anna  # anna's own team: bram is in another team
    colleague_question = make_question(carla, title="Driftbuien op school", situation="Driftbuien in de klas.")
    db.session.commit()
    from ..vault.helpers import make_colleague

    colleague = make_colleague(cast.anna)
    db.session.commit()
    cases, questions = service.similar_cases(colleague, title="Jongen met driftbuien",
                                             situation="Hij heeft thuis elke dag driftbuien sinds de verhuizing.")
    assert [c.title for c in cases] == ["Driftbuien na de scheiding"]
    assert [q.id for q in questions] == [colleague_question.id]
    cases, questions = service.similar_cases(cast.bram, title="Jongen met driftbuien", situation="")
    assert [c.title for c in cases] == ["Driftbuien na de scheiding"] and questions == []  # not bram's team


def test_question_form_shows_similar_cases_without_javascript_and_counts_an_answer_found(cast, login):
    summary = _publish(cast, "Driftbuien na de scheiding", "Sinds de scheiding heeft de jongen driftbuien.")
    db.session.commit()
    bram = login(cast.bram)
    page = bram.post("/vragen/nieuw", {"title": "Driftbuien", "situation": "Dagelijks driftbuien.",
                                       "actie": "vergelijkbaar"}).get_data(as_text=True)
    assert "Driftbuien na de scheiding" in page and f"/kennisbank/{summary.id}?van=vraag" in page
    fragment = bram.post("/kennisbank/vergelijkbaar", {"title": "Driftbuien", "situation": "Dagelijks."})
    assert fragment.status_code == 200 and "Driftbuien na de scheiding" in fragment.get_data(as_text=True)
    assert bram.post(f"/kennisbank/{summary.id}/gevonden").status_code == 302
    assert db.session.scalar(db.select(db.func.count(AnswerFound.id)).where(AnswerFound.team_id == cast.bram.team_id)) == 1
    now = utcnow()
    assert service.answers_found(now - timedelta(days=1), now + timedelta(days=1)) == 1


def test_dashboard_counts_answers_found_per_team(cast, login):
    from expertise.insights import service as insights

    summary = _publish(cast, "Driftbuien", "Driftbuien.")
    db.session.commit()
    for _ in range(5):
        assert login(cast.bram).post(f"/kennisbank/{summary.id}/gevonden").status_code == 302
    period = insights.period_of("maand", utcnow().astimezone(insights.AMSTERDAM).date())
    assert insights.answers_found(period, insights.Filters()) == 5
    assert insights.answers_found(period, insights.Filters(team_id=cast.anna.team_id)) == 0
    page = login(cast.cas).get("/inzicht?periode=maand").get_data(as_text=True)
    assert "Vraag niet gesteld, antwoord gevonden (kennisbank)" in page
