"""The moderation flow through HTTP: hold, see why, flag, review, decide, redact."""
import re

import pytest

from expertise.extensions import db
from expertise.moderation import service
from expertise.moderation.models import Flag, ModerationDecision
from expertise.questions.models import Post, PostRevision, PostStatus, Question, Status
from expertise.realtime.models import Notification

from .. import factories

MARKETING = (
    "Bij Altrecht hebben we hier een speciale training voor. Meld je aan via onze website "
    "www.altrecht-training.nl of bel ons op 030-2345678!"
)
NEUTRAL = (
    "Overweeg specialistische GGZ en bespreek het eerst met de huisarts. Een vast ritme met "
    "vaste bedtijden helpt vaak; het CJG kan meedenken."
)
WITH_NAME = "Ik heb dit besproken met Marleen Schuurhuis, zij herkent het beeld. Een vast ritme helpt."


@pytest.fixture
def question(cast):
    q = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    return q


def _get(model, object_id):
    """Load a row as the last request left it (not from this session's identity map)."""
    db.session.expire_all()
    return db.session.get(model, object_id)


def _reply(client, question_id, body):
    return client.post(f"/vragen/{question_id}/reageren", {"body": body, "actie": "plaatsen"})


def _post_of(author, question_id):
    db.session.expire_all()
    return db.session.scalars(
        db.select(Post).filter_by(author_id=author.id, question_id=question_id).order_by(Post.id.desc())
    ).first()


def _decisions(post):
    db.session.expire_all()
    return db.session.scalars(
        db.select(ModerationDecision).filter_by(post_id=post.id).order_by(ModerationDecision.id)
    ).all()


def test_marketing_reply_is_held_and_invisible_to_others_until_approved(cast, question, login):
    eva = login(cast.eva)
    response = _reply(eva, question.id, MARKETING)
    assert response.status_code == 302
    post = _post_of(cast.eva, question.id)
    assert post.status == PostStatus.HELD
    codes = {r["code"] for r in post.moderation_reasons}
    assert {"call_to_action", "commercial_link"} <= codes
    # Codes, labels and counts only: no spans, no text.
    for reason in post.moderation_reasons:
        assert set(reason) <= {"code", "label", "categories"}
        assert "altrecht-training" not in str(reason) and "2345678" not in str(reason)

    # The question does not count it as advice yet.
    assert _get(Question, question.id).status == Status.OPEN

    # The author sees it is waiting and why, and may edit it.
    page = eva.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Wacht op beoordeling" in page
    assert "Oproep om contact op te nemen" in page
    assert "altrecht-training.nl" in page
    assert f"/berichten/{post.id}/bewerken" in page
    # Moderators are told.
    assert db.session.scalar(db.select(Notification.id).filter_by(user_id=cast.mila.id, kind="held_post"))

    # Nobody else sees it: not the owner, her team, another expert, a coordinator.
    for person in (cast.anna, cast.olaf, cast.cas):
        page = login(person).get(f"/vragen/{question.id}").get_data(as_text=True)
        assert "altrecht-training.nl" not in page, person.name
        assert login(person).get(f"/berichten/{post.id}/melden").status_code == 404

    # A moderator approves: now everyone sees it and it counts as advice.
    mila = login(cast.mila)
    assert mila.post(f"/moderatie/berichten/{post.id}/besluit", {"actie": "approve", "reason": ""}).status_code == 302
    assert _get(Post, post.id).status == PostStatus.PUBLISHED
    assert _get(Question, question.id).status == Status.ADVISED
    assert "altrecht-training.nl" in login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert db.session.scalar(db.select(Notification.id).filter_by(user_id=cast.eva.id, kind="moderation_decision"))


def test_neutral_advice_passes(cast, question, login):
    eva = login(cast.eva)
    _reply(eva, question.id, NEUTRAL)
    post = _post_of(cast.eva, question.id)
    assert post.status == PostStatus.PUBLISHED
    assert post.moderation_reasons is None
    assert "specialistische GGZ" in login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert _decisions(post) == []


def test_another_persons_name_in_an_experts_post_holds_it(cast, question, login):
    _reply(login(cast.eva), question.id, WITH_NAME)
    post = _post_of(cast.eva, question.id)
    assert post.status == PostStatus.HELD
    assert post.moderation_reasons == [
        {"code": "personal_data", "label": "Mogelijk persoonsgegevens", "categories": {"person_name": 1}}
    ]
    assert "Schuurhuis" not in str(_decisions(post)[0].reasons)


def test_bsn_in_a_reply_by_a_colleague_is_refused_with_the_text_kept(cast, question, login):
    """A BSN blocks whoever writes it (issue 24: one guard for every text); before, it was only held."""
    colleague = factories.make_user("Carla Collega", email="carla@example.test", team=cast.anna.team)
    advice = factories.make_post(cast.eva, question, NEUTRAL)
    db.session.commit()
    body = "Volgens mij staat zijn BSN 123456782 in het dossier."
    response = login(colleague).post(f"/vragen/{question.id}/reageren?op={advice.id}",
                                     {"body": body, "actie": "plaatsen"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="body-error"' in text and "een burgerservicenummer (BSN)" in text
    assert body in text  # the text comes back as typed
    assert _post_of(colleague, question.id) is None


def test_owners_own_reply_skips_the_personal_data_check(cast, question, login):
    """The owner's texts pass the owner's guard instead (it warns; she confirms): not held here."""
    anna = login(cast.anna)
    anna.post(f"/vragen/{question.id}/reageren", {"body": WITH_NAME, "actie": "plaatsen", "pii_confirmed": "y"})
    assert _post_of(cast.anna, question.id).status == PostStatus.PUBLISHED


def test_edit_rescores_and_publishes_a_held_post_that_passes(cast, question, login):
    eva = login(cast.eva)
    _reply(eva, question.id, MARKETING)
    post = _post_of(cast.eva, question.id)
    assert eva.post(f"/berichten/{post.id}/bewerken", {"body": MARKETING + " Echt!", "actie": "plaatsen"}).status_code == 302
    assert _get(Post, post.id).status == PostStatus.HELD
    eva.post(f"/berichten/{post.id}/bewerken", {"body": NEUTRAL, "actie": "plaatsen"})
    post = _get(Post, post.id)
    assert post.status == PostStatus.PUBLISHED
    assert [d.action for d in _decisions(post)] == ["held", "released"]


def test_edit_of_a_published_post_into_marketing_holds_it(cast, question, login):
    eva = login(cast.eva)
    _reply(eva, question.id, NEUTRAL)
    post = _post_of(cast.eva, question.id)
    eva.post(f"/berichten/{post.id}/bewerken", {"body": MARKETING, "actie": "plaatsen"})
    assert _get(Post, post.id).status == PostStatus.HELD


def test_marketing_question_is_held_for_others(cast, login):
    q = factories.make_question(
        cast.anna, areas=cast.eva.expertise_areas,
        request="Wie weet een goede training? Kijk ook op www.ons-buurtteam-aanbod.nl en meld je aan voor onze nieuwsbrief!",
    )
    db.session.commit()
    assert q.moderation_state == "held"
    assert login(cast.eva).get(f"/vragen/{q.id}").status_code == 404
    assert f"/vragen/{q.id}\"" not in login(cast.eva).get("/vragen?status=alle&gebied=").get_data(as_text=True)
    owner_page = login(cast.anna).get(f"/vragen/{q.id}").get_data(as_text=True)
    assert "Wacht op beoordeling" in owner_page
    assert login(cast.mila).get(f"/vragen/{q.id}").status_code == 200
    login(cast.mila).post(f"/moderatie/vragen/{q.id}/besluit", {"actie": "approve"})
    assert login(cast.eva).get(f"/vragen/{q.id}").status_code == 200


def test_flagged_items_appear_in_the_queue_oldest_first(cast, question, login):
    factories.make_post(cast.eva, question, NEUTRAL)
    db.session.commit()
    advice = _post_of(cast.eva, question.id)
    olaf = login(cast.olaf)
    assert olaf.post(f"/berichten/{advice.id}/melden", {"reason": "ongepast", "note": ""}).status_code == 302
    again = olaf.post(f"/berichten/{advice.id}/melden", {"reason": "reclame", "note": ""})
    assert "al gemeld" in again.get_data(as_text=True)
    assert login(cast.bram).post(f"/berichten/{advice.id}/melden", {"reason": "reclame"}).status_code == 404
    assert login(cast.eva).post(f"/vragen/{question.id}/melden", {"reason": "anders", "note": "Klopt dit?"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 2
    assert db.session.scalar(db.select(Notification.id).filter_by(user_id=cast.mila.id, kind="flagged_item"))

    page = login(cast.mila).get("/moderatie").get_data(as_text=True)
    assert "Gemeld door Olaf Deskundige: Ongepast" in page
    assert "Gemeld door Eva Deskundige: Anders" in page and "Klopt dit?" in page
    assert page.index(f"/moderatie/berichten/{advice.id}") < page.index(f"/moderatie/vragen/{question.id}")


def test_anders_needs_a_note(cast, question, login):
    response = login(cast.eva).post(f"/vragen/{question.id}/melden", {"reason": "anders", "note": ""})
    assert response.status_code == 200
    assert "Licht kort toe" in response.get_data(as_text=True)


def test_queue_highlights_suspicious_parts_escaped(cast, question, login):
    factories.make_post(cast.eva, question, MARKETING + " <script>alert(1)</script>")
    db.session.commit()
    page = login(cast.mila).get("/moderatie").get_data(as_text=True)
    assert re.search(r'<mark class="mod-mark mod-mark--[a-z-]+" title="[^"]+">www\.altrecht-training\.nl</mark>', page)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_every_moderator_action_is_recorded_and_the_author_sees_the_reason(cast, question, login):
    eva, mila = login(cast.eva), login(cast.mila)
    _reply(eva, question.id, MARKETING)
    post = _post_of(cast.eva, question.id)

    response = mila.post(f"/moderatie/berichten/{post.id}/besluit", {"actie": "reject", "reason": ""})
    assert response.status_code == 400  # a rejection needs a reason
    mila.post(f"/moderatie/berichten/{post.id}/besluit",
              {"actie": "request_edit", "reason": "Haal de link naar de training weg."})
    assert "Haal de link naar de training weg." in eva.get(f"/vragen/{question.id}").get_data(as_text=True)
    # An edit that passes goes back to the moderator (who asked for it), not straight online.
    eva.post(f"/berichten/{post.id}/bewerken", {"body": NEUTRAL, "actie": "plaatsen"})
    assert _get(Post, post.id).status == PostStatus.HELD
    mila.post(f"/moderatie/berichten/{post.id}/besluit", {"actie": "approve"})
    mila.post(f"/moderatie/berichten/{post.id}/besluit", {"actie": "remove", "reason": "Toch reclame."})
    assert _get(Post, post.id).status == PostStatus.REMOVED
    assert "Toch reclame." in eva.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Toch reclame." not in login(cast.anna).get(f"/vragen/{question.id}").get_data(as_text=True)

    decisions = _decisions(post)
    assert [d.action for d in decisions] == ["held", "request_edit", "resubmitted", "approve", "remove"]
    assert [d.moderator_id for d in decisions] == [None, cast.mila.id, None, cast.mila.id, cast.mila.id]
    assert all(d.created_at is not None for d in decisions)
    history = mila.get(f"/moderatie/berichten/{post.id}").get_data(as_text=True)
    for label in ("Automatisch vastgehouden", "Auteur gevraagd het aan te passen", "Goedgekeurd", "Verwijderd"):
        assert label in history
    assert history.count("door Mila Moderator") == 3
    notes = db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(
        user_id=cast.eva.id, kind="moderation_decision"))
    # Eva read the first (she opened the question to edit); approval and removal came within the
    # coalescing window, so they are one notification, brought up to date (issue 24 item 11).
    assert notes == 2


def test_rejected_post_shows_the_reason_to_its_author_only(cast, question, login):
    eva = login(cast.eva)
    _reply(eva, question.id, MARKETING)
    post = _post_of(cast.eva, question.id)
    login(cast.mila).post(f"/moderatie/berichten/{post.id}/besluit",
                          {"actie": "reject", "reason": "Dit is reclame voor een eigen training."})
    assert _get(Post, post.id).status == PostStatus.REJECTED
    page = eva.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Afgewezen door een moderator" in page and "Dit is reclame voor een eigen training." in page
    assert eva.get(f"/berichten/{post.id}/bewerken").status_code == 302  # no longer editable
    other = login(cast.olaf).get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "eigen training" not in other


def test_decisions_close_open_flags(cast, question, login):
    advice = factories.make_post(cast.eva, question, NEUTRAL)
    db.session.commit()
    login(cast.olaf).post(f"/berichten/{advice.id}/melden", {"reason": "reclame"})
    login(cast.mila).post(f"/moderatie/berichten/{advice.id}/besluit", {"actie": "approve"})
    flag = db.session.scalars(db.select(Flag)).one()
    assert flag.resolved_at is not None and flag.decision.action == "approve"
    assert f"/moderatie/berichten/{advice.id}" not in login(cast.mila).get("/moderatie").get_data(as_text=True)


def test_redaction_keeps_the_original_for_moderators_only(cast, question, login):
    original = "Die moeder is echt een sukkel. Probeer een vast ritme."
    advice = factories.make_post(cast.eva, question, original)
    db.session.commit()
    mila = login(cast.mila)
    response = mila.post(f"/moderatie/berichten/{advice.id}/redigeren",
                         {"body": "Die moeder [verwijderd]. Probeer een vast ritme.", "reason": "Niet respectvol."})
    assert response.status_code == 302
    post = _get(Post, advice.id)
    assert post.body == "Die moeder [verwijderd]. Probeer een vast ritme."
    assert "sukkel" not in post.body_html
    revisions = db.session.scalars(db.select(PostRevision).filter_by(post_id=post.id)).all()
    assert [r.body for r in revisions] == [original]
    assert "sukkel" in mila.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "sukkel" in mila.get(f"/moderatie/berichten/{post.id}").get_data(as_text=True)
    for person in (cast.anna, cast.eva, cast.olaf):
        assert "sukkel" not in login(person).get(f"/vragen/{question.id}").get_data(as_text=True)
    decision = _decisions(post)[-1]
    assert decision.action == "redact" and decision.original_deleted is False
    assert decision.moderator_id == cast.mila.id and decision.reason == "Niet respectvol."


def test_redaction_with_personal_data_deletes_the_original_and_every_revision(cast, question, login):
    eva = login(cast.eva)
    _reply(eva, question.id, NEUTRAL)
    post = _post_of(cast.eva, question.id)
    eva.post(f"/berichten/{post.id}/bewerken", {"body": NEUTRAL + " Groet aan Pietje Puk, 06-12345678.", "actie": "plaatsen"})
    eva.post(f"/berichten/{post.id}/bewerken", {"body": NEUTRAL + " Groet aan Pietje Puk.", "actie": "plaatsen"})
    assert db.session.scalar(db.select(db.func.count(PostRevision.id)).filter_by(post_id=post.id)) == 2
    login(cast.mila).post(f"/moderatie/berichten/{post.id}/redigeren",
                          {"body": NEUTRAL + " Groet aan [naam].", "delete_original": "y", "reason": "Naam"})
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(PostRevision.id)).filter_by(post_id=post.id)) == 0
    texts = [_get(Post, post.id).body] + [d.reason for d in _decisions(post)]
    assert not any("Pietje" in t or "12345678" in t for t in texts)
    assert _decisions(post)[-1].original_deleted is True
    assert "Pietje" not in login(cast.mila).get(f"/moderatie/berichten/{post.id}").get_data(as_text=True)


def test_service_refuses_non_moderators(cast, question):
    post = factories.make_post(cast.eva, question, NEUTRAL)
    with pytest.raises(service.ModerationError):
        service.decide(cast.olaf, question=question, post=post, action="remove", reason="x", now=post.created_at)
    with pytest.raises(service.ModerationError):
        service.redact_post(cast.cas, post, body="x", delete_original=False, now=post.created_at)


def test_items_you_cannot_see_are_404(cast, question, login):
    restricted = factories.make_question(cast.anna, areas=cast.eva.expertise_areas, visibility="restricted")
    held = factories.make_post(cast.eva, question, MARKETING)
    db.session.commit()
    colleague = factories.make_user("Carla Collega", email="carla@example.test", team=cast.anna.team)
    db.session.commit()
    assert login(cast.bram).get(f"/vragen/{question.id}/melden").status_code == 404  # other team
    assert login(colleague).get(f"/vragen/{restricted.id}/melden").status_code == 404  # restricted
    assert login(cast.olaf).get(f"/berichten/{held.id}/melden").status_code == 404  # held, not his
    assert login(cast.olaf).get(f"/berichten/{held.id}/bewerken").status_code == 404
    mila = login(cast.mila)
    assert mila.get("/moderatie/berichten/999999").status_code == 404
    assert mila.get("/moderatie/vragen/999999").status_code == 404
    assert mila.post("/moderatie/berichten/999999/besluit", {"actie": "approve"}).status_code == 404
    draft = factories.make_question(cast.anna, title="Concept", publish=False)
    db.session.commit()
    assert mila.get(f"/moderatie/vragen/{draft.id}").status_code == 404
    # Wrong role before anything else: 403, also for a missing item.
    assert login(cast.eva).get("/moderatie/berichten/999999").status_code == 403


def test_whoever_flagged_an_item_hears_when_a_moderator_decides(cast, question, login):
    advice = factories.make_post(cast.eva, question, NEUTRAL)
    db.session.commit()
    login(cast.olaf).post(f"/berichten/{advice.id}/melden", {"reason": "reclame"})
    login(cast.anna).post(f"/berichten/{advice.id}/melden", {"reason": "ongepast"})
    login(cast.mila).post(f"/moderatie/berichten/{advice.id}/besluit", {"actie": "approve"})
    db.session.expire_all()
    for reporter in (cast.olaf, cast.anna):
        kinds = db.session.scalars(db.select(Notification.kind).filter_by(user_id=reporter.id,
                                                                          question_id=question.id)).all()
        assert "flag_resolved" in kinds, reporter.name
    page = login(cast.olaf).get("/meldingen").get_data(as_text=True)
    assert f"Een moderator heeft je melding bij vraag #{question.id} afgehandeld" in page
