"""Learning from moderators through HTTP and the CLI: decisions as examples, watched words,
`flask moderation retrain` / `rollback`, and `evaluate` deciding as the app does."""
import json
import re
from pathlib import Path

import pytest

from expertise.audit.models import AuditEvent
from expertise.extensions import db
from expertise.moderation import learned, service
from expertise.moderation.models import ModerationDecision, WatchedWord
from expertise.questions.models import Post, PostStatus

from .. import factories

DEV = Path(__file__).resolve().parents[2] / "data" / "dev" / "marketing_dev.jsonl"
LAST_LINE = re.compile(r"^precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3}$")
ADVICE = "Bespreek het slapen met de huisarts; de Zonnebloemroute in de wijk kent het gezin al."
MARKETING = "Bij ons kunnen ouders direct terecht. Meld je aan via onze website www.slaap-goed-training.nl!"


@pytest.fixture
def question(cast):
    q = factories.make_question(cast.anna, areas=cast.eva.expertise_areas)
    db.session.commit()
    return q


def _reply(client, question_id, body):
    return client.post(f"/vragen/{question_id}/reageren", {"body": body, "actie": "plaatsen"})


def _last_post(author):
    db.session.expire_all()
    return db.session.scalars(db.select(Post).filter_by(author_id=author.id).order_by(Post.id.desc())).first()


def _audit(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def test_watched_words_page_adds_and_removes_audited_and_used_at_once(cast, question, login):
    mila, eva = login(cast.mila), login(cast.eva)
    assert "Er staan nog geen woorden" in mila.get("/moderatie/woorden").get_data(as_text=True)
    response = mila.post("/moderatie/woorden", {"phrase": "  Zonnebloemroute ", "action": "hold"})
    assert response.status_code == 302
    word = db.session.scalars(db.select(WatchedWord)).one()
    assert (word.phrase, word.action, word.created_by_id) == ("Zonnebloemroute", "hold", cast.mila.id)
    [event] = _audit("watched_word.add")
    assert (event.actor_user_id, event.object_id, event.detail) == (cast.mila.id, str(word.id), "action=hold")
    assert "Zonnebloemroute" in mila.get("/moderatie/woorden").get_data(as_text=True)

    # Used by the check at once: the post is held, and its author is told which word.
    assert _reply(eva, question.id, ADVICE).status_code == 302
    post = _last_post(cast.eva)
    assert post.status == PostStatus.HELD
    assert post.moderation_reasons == [{"code": "watched_word", "label": "Bevat een woord dat moderatoren laten vasthouden"}]
    page = eva.get(f"/vragen/{question.id}").get_data(as_text=True)
    assert "Bevat een woord dat moderatoren laten vasthouden: ‘Zonnebloemroute’" in page
    queue = mila.get("/moderatie").get_data(as_text=True)
    assert "Bevat een woord dat moderatoren laten vasthouden: ‘Zonnebloemroute’" in queue
    assert '<mark class="mod-mark mod-mark--marketing" title="reclame">Zonnebloemroute</mark>' in queue

    response = mila.post(f"/moderatie/woorden/{word.id}/verwijderen", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(WatchedWord, word.id).removed_by_id == cast.mila.id  # the row stays
    assert len(_audit("watched_word.remove")) == 1
    assert "<th scope=\"row\">Zonnebloemroute" not in mila.get("/moderatie/woorden").get_data(as_text=True)
    assert mila.post(f"/moderatie/woorden/{word.id}/verwijderen", {}).status_code == 404
    assert _reply(eva, question.id, ADVICE + " Succes!").status_code == 302
    assert _last_post(cast.eva).status == PostStatus.PUBLISHED


def test_an_allowed_phrase_is_no_reason_to_hold(cast, question, login):
    mila, eva = login(cast.mila), login(cast.eva)
    text = ("Het tarief per uur van een tolk betaalt de gemeente. Vraag de school om er een te regelen "
            "voor het volgende gesprek, en laat het kind niet vertalen.")
    assert _reply(eva, question.id, text).status_code == 302
    post = _last_post(cast.eva)
    assert post.status == PostStatus.HELD and [r["code"] for r in post.moderation_reasons] == ["price"]
    assert mila.post("/moderatie/woorden", {"phrase": "tarief per uur", "action": "allow"}).status_code == 302
    assert _reply(eva, question.id, text + " Succes.").status_code == 302
    assert _last_post(cast.eva).status == PostStatus.PUBLISHED


@pytest.mark.parametrize("data, message", [
    ({"phrase": " ", "action": "hold"}, "minstens twee tekens"),
    ({"phrase": "x" * 101, "action": "hold"}, "hoogstens 100 tekens"),
    ({"phrase": "gratis", "action": "block"}, "Not a valid choice"),
])
def test_bad_watched_words_are_refused_with_a_message(cast, login, data, message):
    mila = login(cast.mila)
    response = mila.post("/moderatie/woorden", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True) or "geldige keuze" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(WatchedWord.id))) == 0


def test_a_phrase_is_listed_once(cast, login):
    mila = login(cast.mila)
    assert mila.post("/moderatie/woorden", {"phrase": "Gratis proefles", "action": "hold"}).status_code == 302
    response = mila.post("/moderatie/woorden", {"phrase": "gratis  PROEFLES", "action": "allow"})
    assert response.status_code == 400
    assert "staat al in de lijst" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(WatchedWord.id))) == 1


def test_moderators_decisions_on_held_posts_are_labelled_examples(cast, question, login):
    mila, eva = login(cast.mila), login(cast.eva)
    _reply(eva, question.id, MARKETING)
    marketing = _last_post(cast.eva)
    _reply(eva, question.id, "Bel het gezin even en vraag hoe het gaat; ik bel 030-1234567 zelf morgen.")
    advice = _last_post(cast.eva)
    assert marketing.status == advice.status == PostStatus.HELD
    mila.post(f"/moderatie/berichten/{marketing.id}/besluit", {"actie": "reject", "reason": "Reclame."})
    mila.post(f"/moderatie/berichten/{advice.id}/besluit", {"actie": "approve"})
    db.session.expire_all()
    labels = {d.post_id: d.training_label for d in db.session.scalars(
        db.select(ModerationDecision).where(ModerationDecision.moderator_id.is_not(None)))}
    assert labels == {marketing.id: "marketing", advice.id: "advice"}
    examples = sorted(service.training_examples(), key=lambda e: e[1])
    assert [y for _, y in examples] == [0, 1]
    assert examples[1][0] == MARKETING


def test_a_rejection_for_personal_data_teaches_nothing(cast, question, login):
    mila, eva = login(cast.mila), login(cast.eva)
    _reply(eva, question.id, "Ik heb dit besproken met Marleen Schuurhuis, zij herkent het beeld. Een vast ritme helpt.")
    post = _last_post(cast.eva)
    assert post.status == PostStatus.HELD and [r["code"] for r in post.moderation_reasons] == ["personal_data"]
    mila.post(f"/moderatie/berichten/{post.id}/besluit", {"actie": "reject", "reason": "Een naam."})
    db.session.expire_all()
    assert service.training_examples() == []


def _tiny_dev(path):
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    tiny = [r for r in rows if r["label"] == "advice"][:8] + [r for r in rows if r["label"] == "marketing"][:8]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tiny), encoding="utf-8")
    return path


def test_retrain_prints_figures_then_replaces_the_model_and_rollback_restores_it(app, cast, question, login, tmp_path,
                                                                                monkeypatch):
    monkeypatch.setitem(app.config, "MARKETING_MODEL_DIR", str(tmp_path / "models"))
    dev = _tiny_dev(tmp_path / "tiny.jsonl")
    base_version = service.current_model().version
    runner = app.test_cli_runner()
    assert runner.invoke(args=["moderation", "rollback"]).exit_code != 0  # nothing to roll back yet

    mila, eva = login(cast.mila), login(cast.eva)
    _reply(eva, question.id, MARKETING)
    mila.post(f"/moderatie/berichten/{_last_post(cast.eva).id}/besluit", {"actie": "reject", "reason": "Reclame."})

    first = runner.invoke(args=["moderation", "retrain", "--dev", str(dev), "--folds", "2"])
    assert first.exit_code == 0, first.output
    lines = first.output.strip().splitlines()
    assert lines[0].startswith("examples: 16 from ") and "1 from moderators' decisions (1 marketing)" in lines[0]
    assert any(line.startswith("model alone: ") for line in lines)
    assert any(LAST_LINE.match(line) for line in lines)
    assert lines.index(next(l for l in lines if LAST_LINE.match(l))) < lines.index(next(l for l in lines if l.startswith("active model:")))
    store = learned.ModelStore(tmp_path / "models")
    model = service.current_model()
    assert store.active_path().name == f"marketing-{model.version}.json" and model.version != base_version
    assert model.info["examples"] == {"development": 16, "decisions": 1}
    assert model.info["cv"]["k"] == 2
    assert "previous: the base model" in first.output

    second = runner.invoke(args=["moderation", "retrain", "--dev", str(dev), "--folds", "2"])
    assert second.exit_code == 0, second.output
    assert service.current_model().version != model.version
    assert f"previous: marketing-{model.version}.json" in second.output

    back = runner.invoke(args=["moderation", "rollback"])
    assert back.exit_code == 0, back.output
    assert service.current_model().version == model.version
    page = mila.get("/moderatie/woorden").get_data(as_text=True)
    assert model.version in page and "1 besluiten van moderatoren" in page


def test_retrain_without_a_model_directory_says_so(app, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETING_MODEL_DIR", None)
    result = app.test_cli_runner().invoke(args=["moderation", "retrain"])
    assert result.exit_code != 0 and "MARKETING_MODEL_DIR" in result.output


def test_evaluate_decides_as_the_app_watched_words_included(app, cast, login, tmp_path):
    data = tmp_path / "two.jsonl"
    data.write_text(json.dumps({"id": "a-1", "text": ADVICE, "label": "advice"}) + "\n"
                    + json.dumps({"id": "m-1", "text": MARKETING, "label": "marketing"}) + "\n", encoding="utf-8")
    runner = app.test_cli_runner()
    before = runner.invoke(args=["moderation", "evaluate", str(data)])
    assert before.exit_code == 0 and "false positive a-1" not in before.output
    login(cast.mila).post("/moderatie/woorden", {"phrase": "Zonnebloemroute", "action": "hold"})
    after = runner.invoke(args=["moderation", "evaluate", str(data)])
    assert "false positive a-1" in after.output
    assert LAST_LINE.match(after.output.strip().splitlines()[-1])


def test_evaluate_cross_validate_prints_the_figures_line_last(app, tmp_path):
    dev = _tiny_dev(tmp_path / "tiny.jsonl")
    result = app.test_cli_runner().invoke(args=["moderation", "evaluate", str(dev), "--cross-validate", "--folds", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("items=16 folds=2")
    assert LAST_LINE.match(lines[-1])
