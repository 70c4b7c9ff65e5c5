"""Scrub a case's texts for the knowledge base: every identity replaced by a neutral placeholder.

Runs in the owner's request, while the owner's session can decrypt the
resident's identity (`knowledge.owner` passes it in as a `KnownIdentity`;
this module never touches the vault). Three detectors, their hits joined
(where two overlap, the union of both goes):

* the resident's own identity (`pii.match_known_identity`: name, initials,
  typos and diminutives, the date of birth in every usual format, the file
  number with or without separators) and a BSN (elfproef);
* the rule detectors of the personal-data guard (`pii.find_personal_data`:
  names, addresses, postcodes, phone numbers, e-mail, dates, institutions,
  case numbers, links);
* deduce, in its worker process (persons, places, dates, phone numbers,
  e-mail addresses, institutions).

All three read the text as typed and as a reader sees it (entities decoded,
NFKC, invisible and look-alike characters, Markdown markup:
`pii.find_undisguised`). A hit that shows only once the text is rendered
replaces the whole text (`guard.redact_identity`). When deduce is
configured but does not answer, nothing is scrubbed half: `ScrubUnavailable`.

Pure functions over text; nothing here logs or stores text or spans.
"""
import re

from flask import current_app

from ..moderation import deduce_worker
from ..moderation.pii import (
    COMMON_NAME_WORDS,
    COMMON_WORDS,
    FIRST_NAMES,
    PLACEHOLDERS,
    Span,
    find_bsn,
    find_personal_data,
    find_undisguised,
    match_known_identity,
)
from ..questions import guard

# deduce's places ("locatie") are shown as "[plaats]"; the rules' street addresses stay "[adres]".
SCRUB_PLACEHOLDERS = {**PLACEHOLDERS, "place": "[plaats]"}
# The label of a joined hit is that of its most specific part.
_ORDER = ("bsn", "email", "url", "iban", "phone", "case_number", "postcode", "date", "address", "place",
          "institution", "person_name")
# Scrubbing is a one-off per case, not per keystroke: deduce may take longer than for a post.
MIN_DEDUCE_TIMEOUT = 3.0


class ScrubUnavailable(Exception):
    """deduce is configured but gave no answer: the text cannot be scrubbed now."""


def deduce_finder():
    """Return a function text -> deduce's spans (places as "place"), or None when deduce is not configured.

    The function raises ScrubUnavailable when the worker does not answer.
    """
    socket = current_app.config.get("DEDUCE_SOCKET")
    if not socket:
        return None
    timeout = max(current_app.config.get("DEDUCE_TIMEOUT", 0.5), MIN_DEDUCE_TIMEOUT)

    def find(text):
        if not text.strip():
            return []
        spans = deduce_worker.deduce_spans(text, timeout, path=socket, places=True)
        if spans is None:
            raise ScrubUnavailable()
        return [Span(s.start, s.end, "place", s.text) if s.type == "address" else s for s in spans]

    return find


# Lower-case writing ("jayden de wit zit op amadeus lyceum") hides names and schools from the
# detectors, which read capitals. A summary is read by everyone and reviewed by its owner, so
# the scrub also takes a known first name in lower case (with the surname particles and word
# after it) and a school's name around "lyceum", "college", … as identifying.
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_PARTICLES = {"de", "van", "der", "den", "ter", "ten", "het", "op", "in", "'t", "el", "al", "ben", "bin"}
_SCHOOL = re.compile(
    r"\b(?:[^\W\d_]+[ -])?(?i:lyceum|college|gymnasium|atheneum|basisschool|mavo|vmbo|montessorischool|"
    r"daltonschool|jenaplanschool|kindcentrum|kinderopvang|scholengemeenschap)(?:[ -][A-Z][^\W\d_]+)?\b"
)
_NOT_SCHOOL_NAME = {"het", "de", "een", "op", "naar", "van", "zijn", "haar", "hun", "mijn", "dit", "deze", "die",
                    "welk", "welke", "ander", "andere", "nieuwe", "nieuw", "oude", "zelfde", "speciaal", "gewoon"}


def find_lower_case(text):
    """Find lower-case first names (with their surname) and school names: spans to scrub."""
    spans = []
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        word = words[i].group()
        folded = word.lower()
        if word.islower() and folded in FIRST_NAMES and folded not in COMMON_WORDS and folded not in COMMON_NAME_WORDS:
            j = i
            while j + 1 < len(words) and words[j + 1].group().lower() in _PARTICLES \
                    and text[words[j].end():words[j + 1].start()].strip() == "":
                j += 1
            if j > i and j + 1 < len(words) and text[words[j].end():words[j + 1].start()].strip() == "":
                j += 1  # "jayden de wit": the word after the particles is the surname
            else:
                j = i
            spans.append(Span(words[i].start(), words[j].end(), "person_name", text[words[i].start():words[j].end()]))
            i = j + 1
            continue
        i += 1
    for m in _SCHOOL.finditer(text):
        first = m.group().split()[0].lower() if " " in m.group() else ""
        start = m.start()
        if first in _NOT_SCHOOL_NAME:
            start += len(m.group().split()[0]) + 1
        if m.group()[start - m.start():].lower().strip() in ("lyceum", "college", "gymnasium", "atheneum",
                                                            "basisschool", "mavo", "vmbo", "kinderopvang",
                                                            "kindcentrum", "scholengemeenschap"):
            continue  # the kind of school alone names none
        spans.append(Span(start, m.end(), "institution", text[start:m.end()]))
    return spans


def find_spans(text, known=None, deduce=None):
    """Return every span of `text` to scrub (overlapping spans possible)."""
    if not text:
        return []

    def blocking(t):
        spans = list(find_bsn(t))
        if known is not None:
            spans += match_known_identity(t, known)
        return spans

    spans = (find_undisguised(text, blocking) + find_undisguised(text, find_personal_data)
             + find_undisguised(text, find_lower_case))
    if deduce is not None:
        spans += find_undisguised(text, deduce)
    return spans


def replace_spans(text, spans):
    """Replace each group of overlapping spans by one placeholder (the most specific kind's)."""
    groups = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if groups and span.start < groups[-1][1]:
            start, end, kinds = groups[-1]
            groups[-1] = (start, max(end, span.end), kinds | {span.type})
        else:
            groups.append((span.start, span.end, {span.type}))
    out, pos = [], 0
    for start, end, kinds in groups:
        kind = next((k for k in _ORDER if k in kinds), None)
        out.append(text[pos:start])
        out.append(SCRUB_PLACEHOLDERS.get(kind, "[verwijderd]"))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scrub_text(text, known=None, deduce=None):
    """Return `text` with every identity found replaced by "[naam]", "[datum]", "[plaats]", …"""
    text = text or ""
    if not text.strip():
        return text
    scrubbed = replace_spans(text, find_spans(text, known, deduce))
    scrubbed, _count = guard.redact_identity(scrubbed, known)  # a hit only the rendered text shows
    return scrubbed
