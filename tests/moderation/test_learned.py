"""The learned marketing model and the one deciding function, without the app."""
import json
import re
from pathlib import Path

import pytest

from expertise.moderation import learned
from expertise.moderation.decision import MODEL, WATCHED_WORD, decide_marketing

DEV = Path(__file__).resolve().parents[2] / "data" / "dev" / "marketing_dev.jsonl"


def tiny_set():
    """Ten advice and ten marketing texts of the development set (the first of each in file order)."""
    advice, marketing = [], []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        (marketing if row["label"] == "marketing" else advice).append(row["text"])
    return advice[:10] + marketing[:10], [0] * 10 + [1] * 10


@pytest.fixture(scope="module")
def tiny_model():
    texts, labels = tiny_set()
    return learned.train(texts, labels, k=2, info={"version": "tiny"})


def test_scoring_without_scikit_learn_matches_it():
    texts, labels = tiny_set()
    fitted = learned._fit(texts[2:18], labels[2:18])
    model = learned.from_fitted(fitted, 0.5, {})
    unseen = texts[:2] + texts[18:] + ["Meld je   aan!\nBel ons: 030-1234567, of kijk op onze site."]
    expected = learned._predict(fitted, unseen)
    assert [round(model.probability(t), 9) for t in unseen] == [round(float(p), 9) for p in expected]
    again = learned.MarketingModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert max(abs(again.probability(t) - p) for t, p in zip(unseen, expected)) < 1e-5


def test_model_reasons_name_words_of_the_text(tiny_model):
    text = "Onze training start in maart. Aanmelden kan via onze website, bel ons gerust!"
    decision = decide_marketing(text, model=tiny_model)
    assert decision.held and any(r["code"] == MODEL for r in decision.reasons)
    words = decision.phrases[MODEL]
    assert words
    for word in words:
        assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text), word
    assert all(not any(c.isdigit() for c in w) for w in words)


def test_every_hold_names_a_reason_and_stores_no_text(tiny_model):
    texts, _ = tiny_set()
    held = [decide_marketing(t, model=tiny_model) for t in texts]
    held = [d for d in held if d.held]
    assert held
    for decision in held:
        assert decision.reasons and all(r["label"] for r in decision.reasons)
        assert all(set(r) == {"code", "label"} for r in decision.reasons)


def test_watched_words_hold_and_allow():
    advice = "Bespreek het met de huisarts; de Zonnebloemroute is daar bekend."
    assert not decide_marketing(advice).held
    held = decide_marketing(advice, watched=[("zonnebloemroute", "hold")])
    assert held.held and [r["code"] for r in held.reasons] == [WATCHED_WORD]
    assert held.phrases[WATCHED_WORD] == ["zonnebloemroute"]
    # "allow": the phrase is never a reason to hold (here: the rules' commercial link).
    link = "Uitleg over slapen staat op slaapwijzer-kind.nl, een goede site."
    assert decide_marketing(link).held
    assert not decide_marketing(link, watched=[("slaapwijzer-kind.nl", "allow")]).held
    # Whole words only, any case and spacing.
    assert not decide_marketing("Zonnebloemroutes zijn mooi.", watched=[("zonnebloemroute", "hold")]).held
    assert decide_marketing("GRATIS  PROEFLES", watched=[("gratis proefles", "hold")]).held


def test_threshold_is_the_lowest_reaching_the_target_precision():
    probabilities = [0.95, 0.9, 0.7, 0.62, 0.4, 0.2]
    labels = [1, 1, 1, 0, 1, 0]
    assert learned.choose_threshold(probabilities, labels) == 0.65  # above the advice at 0.62
    assert learned.choose_threshold([0.2, 0.9], [1, 0]) == 0.3  # never reached: best precision


def test_nested_cross_validation_covers_every_text_once():
    texts, labels = tiny_set()
    result = learned.cross_validate(texts, labels, k=2, decide=lambda text, model: model.probability(text) >= 0.5)
    assert sum(result["model"]) == sum(result["combined"]) == len(texts)
    assert result["k"] == 2 and all(t in learned.THRESHOLDS for t in result["thresholds"])


def test_store_keeps_the_previous_model_and_rolls_back(tmp_path, tiny_model):
    store = learned.ModelStore(tmp_path)
    base = tmp_path / "base.json"
    learned.save(tiny_model, base)
    assert learned.active_model(tmp_path, base, DEV).version == "tiny"
    first = learned.MarketingModel.from_dict(dict(tiny_model.to_dict(), info={"version": "first"}))
    second = learned.MarketingModel.from_dict(dict(tiny_model.to_dict(), info={"version": "second"}))
    store.install(first)
    assert learned.active_model(tmp_path, base, DEV).version == "first"
    store.install(second)
    assert learned.active_model(tmp_path, base, DEV).version == "second"
    assert store.rollback().name == "marketing-first.json"
    assert learned.active_model(tmp_path, base, DEV).version == "first"
    assert (tmp_path / "marketing-second.json").exists()  # kept: rolling back again restores it
    assert store.rollback().name == "marketing-second.json"
    assert oct((tmp_path / "marketing-second.json").stat().st_mode & 0o777) == "0o600"


def test_first_retrain_rolls_back_to_the_base_model(tmp_path, tiny_model):
    store = learned.ModelStore(tmp_path)
    with pytest.raises(FileNotFoundError):
        store.rollback()
    base = tmp_path / "base.json"
    learned.save(tiny_model, base)
    store.install(learned.MarketingModel.from_dict(dict(tiny_model.to_dict(), info={"version": "first"})))
    assert store.rollback() is None
    assert learned.active_model(tmp_path, base, DEV).version == "tiny"


def test_an_unknown_file_format_is_refused(tiny_model):
    with pytest.raises(ValueError):
        learned.MarketingModel.from_dict(dict(tiny_model.to_dict(), format=99))


class _Certain:
    """A model sure that everything is marketing."""

    threshold = 0.5

    def probability(self, text):
        return 0.99

    def explain(self, text):
        return 0.99, [word for word in text.split() if len(word) > 3][:3]


def test_the_model_alone_does_not_hold_a_short_reply():
    # No advice text of the development set is short: the model never learned short replies.
    assert decide_marketing("Ik sluit me aan.", model=_Certain()).held is False
    long_text = "Bij driftbuien helpt het vaak om samen met de ouders een vast ritme af te spreken en te houden."
    decision = decide_marketing(long_text, model=_Certain())
    assert decision.held and [r["code"] for r in decision.reasons] == [MODEL]  # the (certain) model alone
