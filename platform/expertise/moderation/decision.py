"""The one function that decides whether a text is held as marketing: `decide_marketing`.

The app (`service.check_text`), `flask moderation evaluate` and its `--cross-validate` all
call it, so the figures measure what the app does. It combines:

* the moderators' **watched words** (`WatchedWord`): an "allow" phrase is never a reason
  to hold (its occurrences are blanked out before the rules and the model read the text);
  a "hold" phrase holds the text by itself;
* the **rules** (`marketing.score_marketing`), held at their own threshold;
* the **learned model** (`learned.MarketingModel`), held at the threshold chosen for it by
  cross-validation.

The text is held when any of the three holds ("hold when either is confident"). Every hold
names its reasons: each rule code that fired, the watched phrases found, and for the model
the words of the text that weighed most — never a bare probability. `reasons` (what is
stored with a held item) hold codes and labels only, no text; the phrases (`phrases`) are
computed again whenever a reason is shown (`service.reason_lines`).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Sequence

from .marketing import LABELS, MarketingResult, score_marketing

MODEL = "model"
WATCHED_WORD = "watched_word"
MODEL_LABEL = "Lijkt op reclame volgens het geleerde model"
WATCHED_WORD_LABEL = "Bevat een woord dat moderatoren laten vasthouden"
HOLD, ALLOW = "hold", "allow"
# Every reason code that means "marketing" (a moderator's reject of such a hold is a marketing example).
MARKETING_CODES = frozenset(LABELS) | {MODEL, WATCHED_WORD}
# The model holds a text on its own only from this many words on. Every advice text of the
# development set has 14 words or more, so the model never learned what a short neutral reply
# looks like: "Ik sluit me aan." scored 0.80 and "Wij zien dit vaak bij pubers." 0.75, above
# its threshold. Short texts are left to the rules and the watched words (which caught every
# short marketing text there).
MODEL_MIN_WORDS = 12


@dataclass(frozen=True)
class MarketingDecision:
    held: bool
    reasons: tuple[dict, ...]  # {"code", "label"}: what is stored with a held item (no text)
    phrases: dict  # {code: [words of the text]} for the model and watched words: shown, never stored
    rules: MarketingResult
    probability: float | None  # the model's, for measuring; never shown as a reason
    spans: tuple[tuple[int, int], ...]  # parts of the text behind the reasons, for highlighting


@functools.lru_cache(maxsize=512)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Match `phrase` as whole words, any case, any whitespace between its words."""
    words = phrase.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def _blank(text: str, spans) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def decide_marketing(text: str, *, author_org_names: Sequence[str] = (), model=None,
                     watched: Sequence[tuple[str, str]] = (), explain: bool = False) -> MarketingDecision:
    """Decide whether `text` is held as marketing, and why.

    `model` is a `learned.MarketingModel` (None: the rules and watched words alone);
    `watched` is [(phrase, "hold"|"allow")]. `explain`: name the model's heaviest words even
    when the model does not hold the text (to explain an older hold).
    """
    allowed = [m.span() for phrase, action in watched if action == ALLOW
               for m in phrase_pattern(phrase).finditer(text)]
    read = _blank(text, allowed) if allowed else text
    reasons: list[dict] = []
    phrases: dict[str, list[str]] = {}
    spans: list[tuple[int, int]] = []

    hold_hits: list[str] = []
    for phrase, action in watched:
        if action == HOLD:
            found = [m.span() for m in phrase_pattern(phrase).finditer(read)]
            if found:
                hold_hits.append(phrase)
                spans += found
    if hold_hits:
        reasons.append({"code": WATCHED_WORD, "label": WATCHED_WORD_LABEL})
        phrases[WATCHED_WORD] = hold_hits

    rules = score_marketing(read, author_org_names=author_org_names)
    if rules.held:
        seen = set()
        for reason in rules.reasons:
            spans.append(reason.span)
            if reason.code not in seen:
                seen.add(reason.code)
                reasons.append({"code": reason.code, "label": reason.label})

    probability = None
    if model is not None:
        words = None
        if explain:
            probability, words = model.explain(read)
        else:
            probability = model.probability(read)
        held_by_model = probability >= model.threshold and len(read.split()) >= MODEL_MIN_WORDS
        if held_by_model:
            reasons.append({"code": MODEL, "label": MODEL_LABEL})
            if words is None:
                _, words = model.explain(read)
        if words is not None:
            phrases[MODEL] = words
            for word in words:
                spans += [m.span() for m in phrase_pattern(word).finditer(read)]

    return MarketingDecision(held=bool(reasons), reasons=tuple(reasons), phrases=phrases, rules=rules,
                             probability=probability, spans=tuple(spans))
