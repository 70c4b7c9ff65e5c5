"""The whole life of a question, through HTTP: ask, find, advise, reply, regie, close, reopen."""
import re

from expertise.accounts.models import Role
from expertise.extensions import db
from expertise.questions.models import EventKind, Post, Question, QuestionEvent

from .. import factories


def _question_form(cast, **overrides):
    data = {
        "title": "Driftbuien bij een jongen van 9",
        "situation": "Sinds de scheiding van de ouders heeft hij **dagelijks** driftbuien.",
        "request": "Welke aanpak helpt de moeder thuis?",
        "child_age": "9",
        "child_gender": "boy",
        "areas": [str(a.id) for a in cast.eva.expertise_areas + cast.olaf.expertise_areas],
        "urgency": "normal",
        "visibility": "team",
        "family_consent": "y",
        "actie": "plaatsen",
    }
    data.update(overrides)
    return data


def _only_question():
    return db.session.scalar(db.select(Question))


def test_family_worker_previews_then_posts_a_question(cast, login):
    anna = login(cast.anna)
    preview = anna.post("/vragen/nieuw", _question_form(cast, actie="voorbeeld"))
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Voorbeeld: zo zien deskundigen je vraag" in page
    assert "<strong>dagelijks</strong>" in page
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0

    response = anna.post("/vragen/nieuw", _question_form(cast))
    assert response.status_code == 302
    question = _only_question()
    assert response.headers["Location"] == f"/vragen/{question.id}"
    assert question.status == "open" and question.owner_id == cast.anna.id
    assert question.team_id == cast.anna.team_id
    assert question.situation_html.count("<strong>dagelijks</strong>") == 1
    assert question.advice_due_at is not None
    detail = anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Driftbuien bij een jongen van 9" in detail and "nog geen advies" in detail


def test_full_journey_from_question_to_feedback_and_reopening(cast, login):
    anna, eva, olaf = login(cast.anna), login(cast.eva), login(cast.olaf)
    anna.post("/vragen/nieuw", _question_form(cast))
    question = _only_question()
    qid = question.id

    # The expert finds it in the default list of their own areas.
    listing = eva.get("/vragen").get_data(as_text=True)
    assert "Vragen in jouw expertisegebieden" in listing
    assert "Driftbuien bij een jongen van 9" in listing

    # Eva advises: the question becomes "advised".
    response = eva.post(f"/vragen/{qid}/reageren", {"body": "Probeer *time-in* in plaats van time-out.", "actie": "plaatsen"})
    assert response.status_code == 302
    advice = db.session.scalar(db.select(Post).filter_by(author_id=cast.eva.id))
    assert advice.kind == "advice" and advice.organisation_id == cast.eva.organisation_id
    db.session.expire_all()
    assert db.session.get(Question, qid).status == "advised"

    # Olaf (another organisation) replies to Eva's advice.
    response = olaf.post(f"/vragen/{qid}/reageren?op={advice.id}", {"body": "Eens; betrek ook school.", "actie": "plaatsen"})
    assert response.status_code == 302
    reply = db.session.scalar(db.select(Post).filter_by(author_id=cast.olaf.id))
    assert reply.parent_id == advice.id and reply.depth == 1 and reply.kind == "comment"

    # Anna asks a follow-up under the reply, marks Eva's advice helpful.
    anna.post(f"/vragen/{qid}/reageren?op={reply.id}", {"body": "Hoe betrek ik school zonder namen te noemen?", "actie": "plaatsen"})
    assert anna.post(f"/berichten/{advice.id}/nuttig", {"nuttig": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, advice.id).helpful is True

    page = anna.get(f"/vragen/{qid}").get_data(as_text=True)
    assert "advies vanuit 1 organisatie" in page
    assert "Altrecht" in page and "Youké" in page and "Buurtteam Zuilen" in page
    assert "Nuttig advies" in page

    # A second organisation advises: the count follows.
    olaf.post(f"/vragen/{qid}/reageren", {"body": "Vanuit opvoeding: beloon rustig gedrag.", "actie": "plaatsen"})
    assert "adviezen vanuit 2 organisaties" in eva.get(f"/vragen/{qid}").get_data(as_text=True)

    # Anna closes with feedback and rates Eva's advice.
    close_page = anna.get(f"/vragen/{qid}/afsluiten").get_data(as_text=True)
    assert f'name="rating_{advice.id}"' in close_page
    feedback = {"outcome": "partly", "explanation": "Time-in werkt thuis; juf Marieke weet ervan.",
                f"rating_{advice.id}": "4"}
    # The feedback passes the personal-data guard: the teacher's name warns ("Time-in", a compound,
    # does not), so anna is asked to check it (the text kept) and confirms.
    response = anna.post(f"/vragen/{qid}/afsluiten", feedback)
    assert response.status_code == 200 and "herleidbare gegevens: “Marieke” (naam)." in response.get_data(as_text=True)
    response = anna.post(f"/vragen/{qid}/afsluiten", {**feedback, "pii_confirmed": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, qid)
    assert question.status == "closed" and question.outcome == "partly"
    assert db.session.get(Post, advice.id).rating == 4

    # The expert who advised sees the feedback and their own rating.
    page = eva.get(f"/vragen/{qid}").get_data(as_text=True)
    assert "Het advies is deels gevolgd." in page
    assert "Time-in werkt thuis" in page
    assert "Bruikbaarheid van jouw advies volgens de gezinswerker: 4 van 5" in page
    # Closed: no more posts.
    assert eva.post(f"/vragen/{qid}/reageren", {"body": "Nog iets", "actie": "plaatsen"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 4

    # Anna reopens; it is advised again.
    assert anna.post(f"/vragen/{qid}/heropenen").status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, qid).status == "advised"
    kinds = [e.kind for e in db.session.scalars(db.select(QuestionEvent).order_by(QuestionEvent.id))]
    assert kinds == [EventKind.PUBLISHED, EventKind.CLOSED, EventKind.REOPENED]


def test_closing_needs_an_explanation_and_writes_nothing_without_it(cast, login):
    question = factories.make_question(cast.anna)
    db.session.commit()
    anna = login(cast.anna)
    response = anna.post(f"/vragen/{question.id}/afsluiten", {"outcome": "followed", "explanation": ""})
    assert response.status_code == 200
    assert "Leg kort uit wat je met het advies hebt gedaan." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == "open"


def test_experts_cannot_close_edit_hand_over_or_mark_helpful(cast, login):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    advice = factories.make_post(cast.eva, question)
    db.session.commit()
    eva = login(cast.eva)
    assert eva.get(f"/vragen/{question.id}/afsluiten").status_code == 403
    assert eva.get(f"/vragen/{question.id}/bewerken").status_code == 403
    assert eva.get(f"/vragen/{question.id}/overdragen").status_code == 403
    assert eva.post(f"/berichten/{advice.id}/nuttig").status_code == 403
    assert eva.post(f"/vragen/{question.id}/meer-perspectieven").status_code == 403


def test_team_colleague_sees_but_cannot_run_the_question(cast, login):
    colleague = factories.make_user("Chris Collega", [Role.FAMILY_WORKER], team=cast.anna.team)
    question = factories.make_question(cast.anna)
    db.session.commit()
    client = login(colleague)
    assert client.get(f"/vragen/{question.id}").status_code == 200
    assert client.post(f"/vragen/{question.id}/afsluiten", {"outcome": "followed", "explanation": "x"}).status_code == 403
    assert client.post(f"/vragen/{question.id}/heropenen").status_code == 403


def test_owner_hands_the_question_over_to_a_team_colleague(cast, login):
    colleague = factories.make_user("Chris Collega", [Role.FAMILY_WORKER], team=cast.anna.team)
    inactive = factories.make_user("Ina Inactief", [Role.FAMILY_WORKER], team=cast.anna.team, active=False)
    question = factories.make_question(cast.anna)
    db.session.commit()
    anna = login(cast.anna)
    page = anna.get(f"/vragen/{question.id}/overdragen").get_data(as_text=True)
    assert "Chris Collega" in page and "Ina Inactief" not in page and "Bram" not in page

    # Someone from another team cannot be chosen.
    response = anna.post(f"/vragen/{question.id}/overdragen", {"colleague": str(cast.bram.id)})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Question, question.id).owner_id == cast.anna.id

    response = anna.post(f"/vragen/{question.id}/overdragen", {"colleague": str(colleague.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question.id).owner_id == colleague.id
    thread = login(colleague).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Anna Gezinswerker heeft de vraag overgedragen aan Chris Collega." in thread
    assert "Jij hebt de regie" in thread
    # Anna is no longer the owner.
    assert anna.get(f"/vragen/{question.id}/afsluiten").status_code == 403
    assert inactive.id  # kept in the team, never offered


def test_asking_for_more_perspectives_records_a_visible_event(cast, login):
    question = factories.make_question(cast.anna)
    db.session.commit()
    anna = login(cast.anna)
    assert anna.post(f"/vragen/{question.id}/meer-perspectieven").status_code == 302
    event = db.session.scalar(db.select(QuestionEvent).filter_by(kind=EventKind.MORE_PERSPECTIVES))
    assert event.question_id == question.id and event.actor_id == cast.anna.id
    assert "vraagt om meer perspectieven" in login(cast.eva).get(f"/vragen/{question.id}").get_data(as_text=True)


def test_the_owner_deletes_a_draft_but_nobody_deletes_a_posted_question(cast, login):
    anna = login(cast.anna)
    anna.post("/vragen/nieuw", {"title": "Toch niet vragen", "actie": "concept"})
    draft = _only_question()
    page = anna.get(f"/vragen/{draft.id}").get_data(as_text=True)
    assert f"/vragen/{draft.id}/verwijderen" in page
    # Someone else's draft is not there for them (404), whatever their role allows.
    assert login(cast.bram).post(f"/vragen/{draft.id}/verwijderen").status_code == 404
    response = anna.post(f"/vragen/{draft.id}/verwijderen")
    assert response.status_code == 302 and response.headers["Location"].endswith("/vragen")
    assert "Het concept is verwijderd." in anna.get("/vragen").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    db.session.expunge(draft)  # SQLite may give its id to the next question
    # A posted question stays: others may have read and answered it.
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    assert f"/vragen/{question.id}/verwijderen" not in anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    response = anna.post(f"/vragen/{question.id}/verwijderen", follow_redirects=True)
    assert "Alleen een concept kun je verwijderen." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, question.id).status == "open"


def test_drafts_are_kept_listed_for_the_owner_editable_and_publishable(cast, login):
    anna = login(cast.anna)
    response = anna.post("/vragen/nieuw", {"title": "Nog uitzoeken: schoolverzuim", "actie": "concept"})
    assert response.status_code == 302
    draft = _only_question()
    assert draft.status == "draft" and draft.published_at is None
    listing = anna.get("/vragen").get_data(as_text=True)
    assert "Jouw concepten" in listing and "Nog uitzoeken: schoolverzuim" in listing
    # Nobody else sees it, not even in lists.
    for person in (cast.eva, cast.mila, cast.cas):
        client = login(person)
        assert client.get(f"/vragen/{draft.id}").status_code == 404
        assert "Nog uitzoeken" not in client.get("/vragen?status=alle&gebied=").get_data(as_text=True)
    # Publishing an incomplete draft shows what is missing.
    response = anna.post(f"/vragen/{draft.id}/bewerken", _question_form(cast, title="Nog uitzoeken: schoolverzuim", situation=""))
    assert response.status_code == 200 and "Beschrijf de situatie." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Question, draft.id).status == "draft"
    response = anna.post(f"/vragen/{draft.id}/bewerken", _question_form(cast, title="Schoolverzuim bij een meisje van 14"))
    assert response.status_code == 302
    db.session.expire_all()
    published = db.session.get(Question, draft.id)
    assert published.status == "open" and published.title == "Schoolverzuim bij een meisje van 14"


def test_a_form_with_a_mistake_comes_back_with_the_text_intact_and_nothing_written(cast, login):
    anna = login(cast.anna)
    data = _question_form(cast, child_age="31", situation="Moeder <b>werkt</b> nachtdiensten & vader is weg.")
    response = anna.post("/vragen/nieuw", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Vul een leeftijd tussen 0 en 23 jaar in." in page
    assert "Moeder &lt;b&gt;werkt&lt;/b&gt; nachtdiensten &amp; vader is weg." in page
    assert 'value="Driftbuien bij een jongen van 9"' in page
    assert re.search(r'<input[^>]*checked[^>]*id="family_consent"|id="family_consent"[^>]*checked', page)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_family_consent_is_required_unless_the_deployment_says_otherwise(cast, login, app):
    anna = login(cast.anna)
    response = anna.post("/vragen/nieuw", _question_form(cast, family_consent=""))
    assert "Bevestig dat het gezin weet dat je advies vraagt." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    app.config["REQUIRE_FAMILY_CONSENT"] = False
    try:
        assert anna.post("/vragen/nieuw", _question_form(cast, family_consent="")).status_code == 302
    finally:
        app.config["REQUIRE_FAMILY_CONSENT"] = True
    assert _only_question().family_consent is False


def test_author_edits_a_post_and_only_moderators_see_the_earlier_version(cast, login):
    question = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    advice = factories.make_post(cast.eva, question, "Eerste versie van het advies.")
    db.session.commit()
    eva = login(cast.eva)
    assert "Eerste versie van het advies." in eva.get(f"/berichten/{advice.id}/bewerken").get_data(as_text=True)
    assert eva.post(f"/berichten/{advice.id}/bewerken", {"body": "Verbeterd advies.", "actie": "plaatsen"}).status_code == 302
    moderator_page = login(cast.mila).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Verbeterd advies." in moderator_page and "Eerste versie van het advies." in moderator_page
    for person in (cast.anna, cast.eva, cast.olaf, cast.cas):
        page = login(person).get(f"/vragen/{question.id}").get_data(as_text=True)
        assert "Verbeterd advies." in page and "(bewerkt)" in page
        assert "Eerste versie van het advies." not in page
    assert login(cast.olaf).get(f"/berichten/{advice.id}/bewerken").status_code == 403


def test_coordinator_lists_questions_without_advice_overdue_first(cast, login):
    from datetime import datetime, timezone

    old = factories.make_question(cast.anna, title="Oude vraag zonder advies",
                                  now=datetime(2026, 1, 5, 9, tzinfo=timezone.utc))
    factories.make_question(cast.anna, title="Verse vraag zonder advies")
    answered = factories.make_question(cast.anna, title="Beantwoorde vraag")
    factories.make_post(cast.eva, answered)
    db.session.commit()
    page = login(cast.cas).get("/vragen/zonder-advies").get_data(as_text=True)
    assert "Beantwoorde vraag" not in page
    assert page.index("Oude vraag zonder advies") < page.index("Verse vraag zonder advies")
    assert "Over de norm" in page
    overdue_only = login(cast.cas).get("/vragen?te_laat=1&status=alle").get_data(as_text=True)
    assert "Oude vraag zonder advies" in overdue_only and "Verse vraag zonder advies" not in overdue_only
    assert old.id


def test_a_baby_s_age_is_asked_and_shown_in_months(cast, login):
    anna = login(cast.anna)
    assert anna.post("/vragen/nieuw", _question_form(cast, child_age="0", child_age_months="4")).status_code == 302
    question = _only_question()
    assert (question.child_age, question.child_age_months) == (0, 4)
    assert "kind van 4 maanden" in anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "kind van 4 maanden" in login(cast.eva).get("/vragen").get_data(as_text=True)
    # Months beside a whole number of years are not kept; a thirteenth month is refused.
    page = anna.post("/vragen/nieuw", _question_form(cast, child_age="0", child_age_months="13")).get_data(as_text=True)
    assert "Vul een aantal maanden tussen 0 en 11 in." in page
    anna.post(f"/vragen/{question.id}/bewerken", _question_form(cast, child_age="2", child_age_months="4"))
    db.session.expire_all()
    assert (question.child_age, question.child_age_months) == (2, None)


def test_dutch_content_is_marked_dutch_on_an_english_page(cast, login):
    anna = login(cast.anna)
    anna.post("/vragen/nieuw", _question_form(cast))
    question = _only_question()
    factories.make_post(cast.eva, question, body="Begin met een vast avondritueel.")
    db.session.commit()
    dutch = anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert 'lang="nl"' not in dutch.split("<body", 1)[1]  # the page itself is Dutch
    anna.post("/taal", {"lang": "en", "next": "/vragen"})
    page = anna.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert '<h1 class="utrecht-heading-1" lang="nl">Driftbuien bij een jongen van 9</h1>' in page
    assert re.search(r'<div class="rich-text" lang="nl">\s*<p>Sinds de scheiding', page)
    assert re.search(r'<div class="rich-text" lang="nl">\s*<p>Begin met een vast avondritueel', page)
    area = cast.eva.expertise_areas[0].name
    assert re.search(rf'<dd lang="nl">[^<]*{re.escape(area)}', page)
    assert f'<span lang="nl">{cast.anna.team.name}</span>' in page
    listing = anna.get("/vragen").get_data(as_text=True)
    assert 'question-list__title" lang="nl">' in listing
