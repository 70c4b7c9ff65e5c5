"""Measure the marketing filter and the personal-data guard on a labelled JSONL set.

Both functions return printable lines; the last line is always
`precision=P recall=R f1=F` (three decimals) so scripts and CI can parse it.
Usage: `python -m expertise.moderation.evaluate marketing|privacy|false-warnings FILE [--ids odd|even|all]`
(outside the app: the base model, no watched words; `flask moderation evaluate` uses the app's).

The marketing figures go through `decision.decide_marketing`, the function the app decides
with. `cross_validate_marketing` trains the model k times on the file's other folds (nested:
the threshold too), so its figures are for texts the model has not seen.

The privacy figures are those of `pii.find_warnings`, the function the guard and the
moderation checks call, with the detectors chosen: `all` (rules and deduce, as the app
runs), `rules` or `deduce` (deduce alone: it was never tuned on these texts, so its
figures are fair on any set). Age spans are counted as found spans like any other.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable

from . import learned
from .decision import decide_marketing
from .pii import SPAN_TYPES, find_warnings, usable_deduce_spans


def _rows(path: str | Path, ids: str = "all") -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if ids != "all":
                digits = "".join(c for c in row["id"].rsplit("-", 1)[-1] if c.isdigit())
                if digits and (int(digits) % 2 == 1) != (ids == "odd"):
                    continue
            rows.append(row)
    return rows


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _last(p: float, r: float, f: float) -> str:
    return f"precision={p:.3f} recall={r:.3f} f1={f:.3f}"


def _default_model():
    """The base model (EXPERTISE_MARKETING_MODEL or .venv/marketing-model.json), as the app's default."""
    root = Path(__file__).resolve().parents[3]
    base = os.environ.get("EXPERTISE_MARKETING_MODEL") or root / ".venv" / "marketing-model.json"
    return learned.active_model(None, base, root / "data" / "dev" / "marketing_dev.jsonl")


def evaluate_marketing(path: str | Path, *, ids: str = "all", model=None, watched=()) -> list[str]:
    """Confusion matrix and precision/recall for the `marketing` class, as `decide_marketing` decides.

    `model` None: the base model (see `_default_model`). Figures on the texts a model was
    trained on (the development set) say little: use `cross_validate_marketing` for those.
    """
    model = model if model is not None else _default_model()
    tp = fp = fn = tn = 0
    errors: list[str] = []
    for row in _rows(path, ids):
        held = decide_marketing(row["text"], model=model, watched=watched).held
        gold = row["label"] == "marketing"
        if held and gold:
            tp += 1
        elif held:
            fp += 1
            errors.append(f"  false positive {row['id']}")
        elif gold:
            fn += 1
            errors.append(f"  false negative {row['id']}")
        else:
            tn += 1
    p, r, f = _prf(tp, fp, fn)
    return [
        f"items={tp + fp + fn + tn}",
        "confusion (gold rows x predicted columns): marketing / advice",
        f"  marketing: {tp} / {fn}",
        f"  advice:    {fp} / {tn}",
        *errors,
        _last(p, r, f),
    ]


def cross_validate_marketing(path: str | Path, *, k: int = 5, seed: int = 0, watched=()) -> list[str]:
    """Nested k-fold figures on a labelled file: the model alone, then as the app decides (last line)."""
    texts, labels = learned.read_labelled(path)
    result = learned.cross_validate(
        texts, labels, k=k, seed=seed,
        decide=lambda text, model: decide_marketing(text, model=model, watched=watched).held,
    )
    return cross_validation_lines(result)


def cross_validation_lines(result) -> list[str]:
    """Print a `learned.cross_validate` result; the last line is the app's decision (rules, model, watched words)."""
    m, c = result["model"], result["combined"]
    mp, mr, mf = learned.figures(*m)
    return [
        f"items={sum(m)} folds={result['k']} (nested: each fold's threshold from inner folds of its training part)",
        f"thresholds per fold: {', '.join(f'{t:.2f}' for t in result['thresholds'])}",
        f"model alone: tp={m[0]} fp={m[1]} fn={m[2]} tn={m[3]} precision={mp:.3f} recall={mr:.3f} f1={mf:.3f}",
        f"rules, watched words or model (as the app decides): tp={c[0]} fp={c[1]} fn={c[2]} tn={c[3]}",
        _last(*learned.figures(*c)),
    ]


def cv_info(result) -> dict:
    """The figures of a `learned.cross_validate` result as stored in a model file's info."""
    out = {"k": result["k"], "thresholds": result["thresholds"]}
    for name in ("model", "combined"):
        tp, fp, fn, tn = result[name]
        p, r, f = learned.figures(tp, fp, fn, tn)
        out[name] = {"tp": tp, "fp": fp, "fn": fn, "tn": tn,
                     "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}
    return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


DETECTORS = ("all", "rules", "deduce")


def privacy_spans(text: str, detectors: str, deduce) -> list:
    """Return the spans `detectors` find in `text`; `deduce(text)` gives deduce's spans."""
    if detectors == "rules":
        return find_warnings(text)
    spans = deduce(text)
    if spans is None:
        raise RuntimeError("deduce gave no answer")
    if detectors == "deduce":
        return usable_deduce_spans(text, spans)
    return find_warnings(text, spans)


def evaluate_privacy(path: str | Path, *, ids: str = "all", detectors: str = "rules", deduce=None) -> list[str]:
    """Span-level (overlap) precision/recall, per-type recall, per-detector counts and text-level figures.

    `deduce` is a function text -> deduce's spans (the worker's or an in-process engine's);
    needed unless `detectors` is "rules".
    """
    by_detector: Counter[str] = Counter()
    by_detector_ok: Counter[str] = Counter()
    found_total = found_ok = gold_total = gold_hit = 0
    exact = 0
    per_type_gold: Counter[str] = Counter()
    per_type_hit: Counter[str] = Counter()
    text_tp = text_fp = text_fn = text_tn = 0
    for row in _rows(path, ids):
        gold = [(s["start"], s["end"], s["type"]) for s in row["spans"]]
        spans = privacy_spans(row["text"], detectors, deduce)
        found = [(s.start, s.end, s.type) for s in spans]
        for s in spans:
            by_detector[s.detector] += 1
            by_detector_ok[s.detector] += any(_overlaps((s.start, s.end), g[:2]) for g in gold)
        found_total += len(found)
        found_ok += sum(any(_overlaps(f[:2], g[:2]) for g in gold) for f in found)
        exact += sum(f in gold for f in found)
        for g in gold:
            gold_total += 1
            per_type_gold[g[2]] += 1
            if any(_overlaps(f[:2], g[:2]) for f in found):
                gold_hit += 1
                per_type_hit[g[2]] += 1
        if gold and found:
            text_tp += 1
        elif found:
            text_fp += 1
        elif gold:
            text_fn += 1
        else:
            text_tn += 1
    p = found_ok / found_total if found_total else 0.0
    r = gold_hit / gold_total if gold_total else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    lines = [
        f"detectors={detectors}",
        f"texts={text_tp + text_fp + text_fn + text_tn} gold_spans={gold_total} found_spans={found_total}",
        f"text level: recall={_prf(text_tp, text_fp, text_fn)[1]:.3f} "
        f"false_alarm_rate={(text_fp / (text_fp + text_tn)) if text_fp + text_tn else 0.0:.3f} "
        f"(tp={text_tp} fp={text_fp} fn={text_fn} tn={text_tn})",
        f"span level exact (same offsets and type): {exact}/{found_total} found, {exact}/{gold_total} gold",
    ]
    for d in sorted(by_detector):
        lines.append(f"  found by {d}: {by_detector[d]} ({by_detector_ok[d]} overlap a gold span)")
    for t in SPAN_TYPES:
        if per_type_gold[t]:
            lines.append(f"  recall {t}: {per_type_hit[t]}/{per_type_gold[t]} = {per_type_hit[t] / per_type_gold[t]:.3f}")
    lines.append(_last(p, r, f))
    return lines


def evaluate_false_warnings(path: str | Path, *, detectors: str = "rules", deduce=None, label: str = "advice") -> list[str]:
    """The guard's false-warning rate on texts labelled `label` (advice: no personal data of a family).

    A text warned is one for which `find_warnings` finds anything: for an adviser's post that
    holds it for a moderator, for the owner's text that asks for a confirmation. No platform
    users' names are known here (a worst case: in the app "Eens met Eva" is not flagged when
    Eva is a user). Prints each warned text's id with the kinds and detectors found.
    """
    rows = [row for row in _rows(path) if row.get("label") == label]
    warned: list[str] = []
    kinds: Counter[str] = Counter()
    for row in rows:
        spans = privacy_spans(row["text"], detectors, deduce)
        if spans:
            kinds.update(s.type for s in spans)
            warned.append(f"  warned {row['id']}: " + ", ".join(f"{s.type} ({s.detector})" for s in spans))
    rate = len(warned) / len(rows) if rows else 0.0
    return [f"detectors={detectors}", *warned, f"kinds: {dict(sorted(kinds.items()))}",
            f"texts={len(rows)} warned={len(warned)} false_warning_rate={rate:.3f}"]


def deduce_source(socket: str | None = None, cache: str | None = None):
    """Return text -> deduce spans: through the worker on `socket` if given, else deduce in this process."""
    from . import deduce_worker  # noqa: PLC0415

    if socket:
        return lambda text: deduce_worker.deduce_spans(text, 10.0, path=socket)
    engine = deduce_worker.load_deduce(cache)
    return lambda text: deduce_worker.analyse(engine, text)


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--cross-validate" in args:
        args.remove("--cross-validate")
        if len(args) == 2 and args[0] == "marketing":
            print("\n".join(cross_validate_marketing(args[1])))
            return 0
    options = {"--ids": "all", "--detectors": "rules", "--socket": None}
    for name in options:
        if name in args:
            i = args.index(name)
            options[name] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 2 or args[0] not in ("marketing", "privacy", "false-warnings") or options["--detectors"] not in DETECTORS:
        print("usage: python -m expertise.moderation.evaluate marketing|privacy|false-warnings FILE [--ids odd|even|all] "
              "[--detectors all|rules|deduce] [--socket PATH] | marketing FILE --cross-validate")
        return 2
    detectors = options["--detectors"]
    deduce = deduce_source(options["--socket"]) if args[0] != "marketing" and detectors != "rules" else None
    if args[0] == "marketing":
        lines = evaluate_marketing(args[1], ids=options["--ids"])
    elif args[0] == "false-warnings":
        lines = evaluate_false_warnings(args[1], detectors=detectors, deduce=deduce)
    else:
        lines = evaluate_privacy(args[1], ids=options["--ids"], detectors=detectors, deduce=deduce)
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
