"""The learned marketing model: TF-IDF (words and characters) and logistic regression.

The rules in `marketing.py` were written after reading the development set, so they
remember it rather than generalise; a bag-of-words model with no domain knowledge
recalls more on texts it has never seen. This module trains that model (scikit-learn),
picks its threshold by k-fold cross-validation, explains a score by the words of the
text that weighed most, and keeps the trained models as small JSON files: no pickle
(loading a pickle runs code), no download.

* Features: word 1–2-grams and character 3–5-grams within words (`char_wb`, which
  catches spelling variants and compounds: "aanmeldpunt", "aanmelden"), each TF-IDF
  with sublinear term frequency, both kept only when they occur in at least two
  training texts (so the file holds no word of just one moderated post).
* Classifier: L2 logistic regression, both classes weighing equally; every sentence of
  an advice text is also an advice example (`_fit`). Its weights give the reasons: each
  word of the text gets the weight of its own features (the word, the word pairs it is
  in, the character n-grams inside it).
* Scoring needs no scikit-learn (`MarketingModel` computes the TF-IDF rows itself, as
  scikit-learn does); only training imports it.
* Threshold: the lowest on a grid whose out-of-fold precision on the training texts
  reaches TARGET_PRECISION (k-fold, `choose_threshold`). The figures a model file
  carries come from nested cross-validation (`cross_validate`): each outer fold picks
  its threshold from inner folds of its own training part, so no figure is measured
  on texts that chose it.

`ModelStore` keeps the files: `flask moderation retrain` writes a new one and makes it active, keeping
the previous; `flask moderation rollback` makes the previous active again. `active_model` loads the
active file once per process (and again only when the store's pointer changes).
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

log = logging.getLogger(__name__)

FORMAT = 1
TARGET_PRECISION = 0.99
THRESHOLDS = tuple(round(0.30 + 0.05 * i, 2) for i in range(13))  # 0.30 … 0.90
WORD = {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True, "min_df": 2}
CHAR = {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True, "min_df": 2}
C = 30.0
MAX_PHRASES = 4
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def _vectorizer(params):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(**params)


_SPACES = re.compile(r"\s\s+")


def word_grams(text: str) -> list[str]:
    """The word analyzer of scikit-learn with WORD's settings: lowercase, tokens, 1–2-grams."""
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def char_grams_of(token: str) -> list[str]:
    """scikit-learn's `char_wb` n-grams (CHAR's range) of one whitespace-separated token."""
    low, high = CHAR["ngram_range"]
    w = f" {token} "
    grams = []
    for n in range(low, high + 1):
        offset = 0
        grams.append(w[offset:offset + n])
        while offset + n < len(w):
            offset += 1
            grams.append(w[offset:offset + n])
        if offset == 0:  # a token shorter than n counts once
            break
    return grams


class _Features:
    """One analyzer's vocabulary with idf and weight per term: a sparse TF-IDF row, computed directly."""

    def __init__(self, terms, idf, coef):
        self.terms = list(terms)
        self.index = {t: i for i, t in enumerate(self.terms)}
        self.idf = [float(v) for v in idf]
        self.coef = [float(v) for v in coef]

    def contributions(self, indices) -> dict[int, float]:
        """Return {term index: its share of the decision value} for these term occurrences.

        Sublinear term frequency times IDF, L2-normalised over the row, times the term's weight.
        """
        counts: dict[int, int] = {}
        for i in indices:
            counts[i] = counts.get(i, 0) + 1
        values = {i: (1.0 + math.log(n)) * self.idf[i] for i, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {i: v * self.coef[i] / norm for i, v in values.items()}

    def known(self, grams) -> list[int]:
        index = self.index
        return [index[g] for g in grams if g in index]


_TOKEN_CACHE_SIZE = 50_000


@dataclass
class MarketingModel:
    """A trained model: per analyzer the terms with their IDF and weight, an intercept, a threshold.

    Scoring needs no scikit-learn: the TF-IDF rows are computed here exactly as scikit-learn's
    vectorisers compute them (a test checks it), so the app does not import it.
    """

    word: _Features
    char: _Features
    intercept: float
    threshold: float
    info: dict  # version, created_at, examples, cv figures: for people, not for scoring

    @property
    def version(self) -> str:
        return self.info.get("version", "")

    def __post_init__(self):
        self._token_grams: dict[str, list[int]] = {}

    def _grams(self, token):
        """The known character n-grams of one token, cached (most tokens come back in every post)."""
        found = self._token_grams.get(token)
        if found is None:
            if len(self._token_grams) >= _TOKEN_CACHE_SIZE:
                self._token_grams.clear()
            found = self._token_grams[token] = self.char.known(char_grams_of(token))
        return found

    def _contributions(self, text):
        tokens = _SPACES.sub(" ", text.lower()).split()
        token_grams = [self._grams(t) for t in tokens]
        char = self.char.contributions(i for found in token_grams for i in found)
        return tokens, token_grams, self.word.contributions(self.word.known(word_grams(text))), char

    def probability(self, text: str) -> float:
        """Return the model's probability that `text` is marketing (0–1)."""
        _, _, word, char = self._contributions(text)
        return _sigmoid(sum(word.values()) + sum(char.values()) + self.intercept)

    def explain(self, text: str) -> tuple[float, list[str]]:
        """Return (probability, phrases): the words of `text` that pushed it most towards marketing.

        Each word gets its own weight, half of each word pair's it is in, and its share of the
        character n-grams of the token it stands in. A phrase is a word as it occurs in the
        text, at most MAX_PHRASES, strongest first; only words the model knows from at least
        two training texts and without digits (a phone number or a name from one post is never
        shown as a reason), of three letters or more.
        """
        tokens, token_grams, word, char = self._contributions(text)
        probability = _sigmoid(sum(word.values()) + sum(char.values()) + self.intercept)
        scores: dict[str, float] = {}
        for i, value in word.items():
            parts = self.word.terms[i].split(" ")
            for part in parts:
                scores[part] = scores.get(part, 0.0) + value / len(parts)
        gram_count: dict[int, int] = {}
        for found in token_grams:
            for i in found:
                gram_count[i] = gram_count.get(i, 0) + 1
        for token, found in zip(tokens, token_grams):
            inside = _TOKEN.findall(token)
            if not inside:
                continue
            share = sum(char.get(i, 0.0) / gram_count[i] for i in found) / len(inside)
            for w in inside:
                scores[w] = scores.get(w, 0.0) + share
        first_form: dict[str, str] = {}
        for m in _TOKEN.finditer(text):
            first_form.setdefault(m.group(0).lower(), m.group(0))
        ranked = sorted(
            ((s, w) for w, s in scores.items()
             if s > 0 and len(w) > 2 and w in first_form and w in self.word.index
             and not any(c.isdigit() for c in w)),
            reverse=True,
        )
        return probability, [first_form[w] for _, w in ranked[:MAX_PHRASES]]

    def to_dict(self) -> dict:
        r = lambda values: [float(f"{v:.7g}") for v in values]  # noqa: E731
        return {
            "format": FORMAT,
            "info": self.info,
            "threshold": self.threshold,
            "intercept": self.intercept,
            "word": {"terms": self.word.terms, "idf": r(self.word.idf), "coef": r(self.word.coef)},
            "char": {"terms": self.char.terms, "idf": r(self.char.idf), "coef": r(self.char.coef)},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "MarketingModel":
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        return cls(
            word=_Features(data["word"]["terms"], data["word"]["idf"], data["word"]["coef"]),
            char=_Features(data["char"]["terms"], data["char"]["idf"], data["char"]["coef"]),
            intercept=float(data["intercept"]), threshold=float(data["threshold"]), info=dict(data.get("info", {})),
        )


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# --- training and cross-validation -------------------------------------------------------


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
SENTENCE_WEIGHT = 0.25


def advice_sentences(text: str) -> list[str]:
    """The sentences (three words or more) of a text of two sentences or more."""
    parts = [p for p in _SENTENCE.split(text) if len(p.split()) >= 3]
    return parts if len(parts) >= 2 else []


def _fit(texts, labels):
    """Fit both vectorisers and the regression; return (word vectoriser, char vectoriser, regression).

    Besides the texts, each sentence of an advice text is an advice example of its own (at
    SENTENCE_WEIGHT): one promotional sentence makes a text marketing, so no sentence of an
    advice text is promotional. Without them short replies ("ik heb dit ook gezien") looked
    like marketing, as the texts are long and first-person words lean that way. The
    vocabulary comes from the texts alone (a word needs two texts, not two sentences of one).
    Classes weigh equally (by the texts).
    """
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    word, char = _vectorizer(WORD), _vectorizer(CHAR)
    word.fit(texts)
    char.fit(texts)
    n_marketing = sum(labels)
    weight = {1: len(labels) / (2 * n_marketing), 0: len(labels) / (2 * (len(labels) - n_marketing))}
    docs, ys, weights = list(texts), list(labels), [weight[y] for y in labels]
    for text, y in zip(texts, labels):
        if not y:
            for sentence in advice_sentences(text):
                docs.append(sentence)
                ys.append(0)
                weights.append(SENTENCE_WEIGHT * weight[0])
    matrix = sp.hstack([word.transform(docs), char.transform(docs)]).tocsr()
    regression = LogisticRegression(C=C, solver="liblinear")
    regression.fit(matrix, ys, sample_weight=weights)
    return word, char, regression


def _predict(fitted, texts):
    import scipy.sparse as sp

    word, char, regression = fitted
    matrix = sp.hstack([word.transform(texts), char.transform(texts)]).tocsr()
    return regression.predict_proba(matrix)[:, 1]


def _folds(labels, k, seed):
    from sklearn.model_selection import StratifiedKFold

    smallest = min(sum(labels), len(labels) - sum(labels))
    k = max(2, min(k, smallest))
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(labels, labels))


def out_of_fold(texts, labels, k=5, seed=0):
    """Return each text's probability from a model trained on the other folds."""
    probabilities = [0.0] * len(texts)
    for train, test in _folds(labels, k, seed):
        fitted = _fit([texts[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, _predict(fitted, [texts[i] for i in test])):
            probabilities[i] = float(p)
    return probabilities


def counts(predicted, labels):
    """Return (tp, fp, fn, tn) for the marketing class."""
    tp = sum(1 for p, y in zip(predicted, labels) if p and y)
    fp = sum(1 for p, y in zip(predicted, labels) if p and not y)
    fn = sum(1 for p, y in zip(predicted, labels) if not p and y)
    return tp, fp, fn, len(labels) - tp - fp - fn


def choose_threshold(probabilities, labels):
    """Return the lowest grid threshold whose precision reaches TARGET_PRECISION.

    When none does, the one with the best precision (then recall) on these probabilities.
    """
    best = None
    for t in THRESHOLDS:
        tp, fp, fn, _ = counts([p >= t for p in probabilities], labels)
        precision = tp / (tp + fp) if tp + fp else 0.0
        if tp and precision >= TARGET_PRECISION:
            return t
        key = (precision, tp)
        if best is None or key > best[0]:
            best = (key, t)
    return best[1]


def cross_validate(texts, labels, *, k=5, seed=0, decide: Callable[[str, "MarketingModel"], bool] | None = None):
    """Nested k-fold figures: each outer fold's threshold comes from inner folds of its own training part.

    Returns {"model": (tp, fp, fn, tn) of the model alone, "thresholds": [per fold], "k"}, and
    with `decide(text, model)` (the app's deciding function, given the fold's model) also
    "combined": its verdicts. The rules were written on the development set, so on that set
    "combined" is optimistic; "model" is not.
    """
    held_model, held_any, thresholds = [False] * len(texts), [False] * len(texts), []
    for train_part, test in _folds(labels, k, seed):
        train_texts, train_labels = [texts[i] for i in train_part], [labels[i] for i in train_part]
        threshold = choose_threshold(out_of_fold(train_texts, train_labels, k, seed), train_labels)
        thresholds.append(threshold)
        fitted = _fit(train_texts, train_labels)
        fold_model = from_fitted(fitted, threshold, {"version": "fold"}) if decide is not None else None
        for i, p in zip(test, _predict(fitted, [texts[i] for i in test])):
            held_model[i] = bool(p >= threshold)
            if decide is not None:
                held_any[i] = bool(decide(texts[i], fold_model))
    result = {"model": counts(held_model, labels), "thresholds": thresholds, "k": len(thresholds)}
    if decide is not None:
        result["combined"] = counts(held_any, labels)
    return result


def figures(tp, fp, fn, tn=0):
    """Return (precision, recall, f1)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def train(texts: Sequence[str], labels: Sequence[int], *, k=5, seed=0, info=None) -> MarketingModel:
    """Train on all texts; the threshold comes from k-fold out-of-fold probabilities of the same texts."""
    texts, labels = list(texts), [int(bool(y)) for y in labels]
    if len(set(labels)) < 2 or min(sum(labels), len(labels) - sum(labels)) < 2:
        raise ValueError("need at least two marketing and two advice texts")
    threshold = choose_threshold(out_of_fold(texts, labels, k, seed), labels)
    return from_fitted(_fit(texts, labels), threshold,
                       dict(info or {}, threshold_from=f"{k}-fold out-of-fold probabilities"))


def from_fitted(fitted, threshold, info) -> MarketingModel:
    """Turn fitted scikit-learn objects into a MarketingModel."""
    word, char, regression = fitted
    n_word = len(word.vocabulary_)
    coef = [float(v) for v in regression.coef_[0]]
    word_terms = [t for t, _ in sorted(word.vocabulary_.items(), key=lambda kv: kv[1])]
    char_terms = [t for t, _ in sorted(char.vocabulary_.items(), key=lambda kv: kv[1])]
    return MarketingModel(
        word=_Features(word_terms, word.idf_, coef[:n_word]),
        char=_Features(char_terms, char.idf_, coef[n_word:]),
        intercept=float(regression.intercept_[0]), threshold=threshold, info=info,
    )


def read_labelled(path) -> tuple[list[str], list[int]]:
    """Read a JSONL file of {"text", "label": "marketing"|"advice"}."""
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                labels.append(int(row["label"] == "marketing"))
    return texts, labels


def version_now() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{time.time_ns() % 1_000_000:06d}"


def build(dev_path, extra=(), *, k=5, seed=0) -> MarketingModel:
    """Train a model from the development set plus extra (text, label) examples."""
    texts, labels = read_labelled(dev_path)
    extra = list(extra)
    texts += [t for t, _ in extra]
    labels += [int(y) for _, y in extra]
    info = {"version": version_now(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "examples": {"development": len(texts) - len(extra), "decisions": len(extra)}}
    return train(texts, labels, k=k, seed=seed, info=info)


# --- files ----------------------------------------------------------------------------------


def save(model: MarketingModel, path) -> None:
    """Write the model as JSON (atomically: a reader never sees half a file), mode 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(model.to_dict(), fh, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)


def load(path) -> MarketingModel:
    with open(path, encoding="utf-8") as fh:
        return MarketingModel.from_dict(json.load(fh))


class ModelStore:
    """A directory of model files, `active` and `previous` naming the current and the one before."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def _pointer(self, name):
        try:
            value = (self.directory / name).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return value or None

    def _point(self, name, value):
        tmp = self.directory / f".{name}.tmp"
        tmp.write_text((value or "") + "\n", encoding="utf-8")
        os.replace(tmp, self.directory / name)

    def active_path(self) -> Path | None:
        name = self._pointer("active")
        return self.directory / name if name else None

    def previous_path(self) -> Path | None:
        name = self._pointer("previous")
        return self.directory / name if name else None

    def install(self, model: MarketingModel) -> Path:
        """Write `model` and make it active; the active one becomes the previous."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"marketing-{model.version}.json"
        save(model, self.directory / name)
        current = self._pointer("active")
        if current:
            self._point("previous", current)
        self._point("active", name)
        return self.directory / name

    def rollback(self) -> Path | None:
        """Make the previous model active again (and the current one the previous).

        Returns the now active file, or None: back to the base model (the first retrain's previous).
        """
        previous, current = self._pointer("previous"), self._pointer("active")
        if previous and not (self.directory / previous).exists():
            raise FileNotFoundError(f"the previous model {previous} is missing")
        if not previous and not current:
            raise FileNotFoundError("no retrained model: nothing to roll back")
        self._point("active", previous)
        self._point("previous", current)
        return self.directory / previous if previous else None


# --- the model of this process ---------------------------------------------------------------

_lock = threading.Lock()
_cache: dict = {}


def active_model(store_dir, base_path, dev_path) -> MarketingModel:
    """Return the model this process scores with, loaded once.

    The store's active model; without one the base model `make install` builds; without that
    a model trained here from the development set (logged: run `make install`). The store's
    `active` pointer is looked at on each call (one stat), so a retrain or a rollback takes
    effect in every process without a restart.
    """
    store = ModelStore(store_dir) if store_dir else None
    pointer = store.directory / "active" if store else None
    try:
        stamp = pointer.stat().st_mtime_ns if pointer else None
    except FileNotFoundError:
        stamp = None
    key = (str(store_dir), str(base_path), str(dev_path), stamp)
    model = _cache.get(key)
    if model is not None:
        return model
    with _lock:
        model = _cache.get(key)
        if model is None:
            model = _load_uncached(store, base_path, dev_path)
            _cache.clear()
            _cache[key] = model
    return model


def _load_uncached(store, base_path, dev_path):
    path = store.active_path() if store else None
    if path is not None and path.exists():
        return load(path)
    if base_path and Path(base_path).exists():
        return load(base_path)
    log.warning("no built marketing model (make install builds it): training one from the development set")
    texts, labels = read_labelled(dev_path)
    return train(texts, labels, info={"version": "untracked", "examples": {"development": len(texts), "decisions": 0}})


def forget_loaded() -> None:
    """Drop the process's loaded model (tests)."""
    with _lock:
        _cache.clear()


def main(argv=None) -> int:
    """`python -m expertise.moderation.learned --build OUT [--dev FILE]`: the base model for `make install`."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--build", required=True, metavar="OUT")
    parser.add_argument("--dev", default=str(Path(__file__).resolve().parents[3] / "data" / "dev" / "marketing_dev.jsonl"))
    args = parser.parse_args(argv)
    model = build(args.dev)
    save(model, args.build)
    print(f"marketing model {model.version}: threshold {model.threshold}, "
          f"{len(model.word.terms)} word and {len(model.char.terms)} character features -> {args.build}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
