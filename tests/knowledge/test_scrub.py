"""The scrub removes every identity from a case offered for the knowledge base.

Two sets: the resident with known identity (written every way the guard knows:
name parts, initials, typos, diminutives, the date of birth in every format,
the file number, disguised with Markdown, a zero-width space, an entity or a
look-alike letter), and the labelled development texts of data/dev/pii_dev.jsonl,
each placed into a case. Span recall: a labelled span counts as removed when
no character of it is left in the scrubbed text's place (the scrub's spans
cover it). With deduce (the session's worker) every span must go.
"""
import json
from datetime import date
from pathlib import Path

import pytest

from expertise.knowledge import scrub
from expertise.moderation.pii import KnownIdentity

from ..questions.residents import find_needles

DEV = Path(__file__).resolve().parents[2] / "data" / "dev" / "pii_dev.jsonl"
KNOWN = KnownIdentity("Janneke de Vries-Özdemir", date(2010, 5, 3), "J-2023-0451")
IDENTITY_TEXTS = [
    "Janneke de Vries-Özdemir (03-05-2010), dossier J-2023-0451.",
    "Jan*neke* de Vr**ies**-Öz\u200bdemir, dossier J-2023-04&#53;1, 3 mei 2010.",
    "J. de Vries heeft het moeilijk; jannekes moeder belt vaak.",
    "Geboren op 3/5/2010, dossier J20230451, roepnaam Jann\u0435ke.",  # a Cyrillic "е"
    "Mevrouw Özdemir en Janneke kwamen op 2010-05-03 naar Utrecht.",
    "dossier J 2023 0451; geboortedatum 20100503.",
]


def _recall(rows, deduce):
    total = removed = 0
    for row in rows:
        spans = scrub.find_spans(row["text"], None, deduce)
        covered = {i for s in spans for i in range(s.start, s.end)}
        for gold in row["spans"]:
            total += 1
            removed += all(i in covered for i in range(gold["start"], gold["end"]))
    return removed, total


def _rows():
    return [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("text", IDENTITY_TEXTS)
def test_scrub_removes_every_needle_of_the_known_resident(app, text):
    with app.test_request_context():
        scrubbed = scrub.scrub_text(text, KNOWN)
    assert find_needles(scrubbed) == []
    assert find_needles(text)  # the text did hold the identity


def test_scrub_keeps_what_identifies_nobody(app):
    text = "Een jongen van 9 heeft driftbuien sinds de scheiding. Moeder wil weten welke aanpak thuis helpt."
    with app.test_request_context():
        assert scrub.scrub_text(text, KNOWN) == text


def test_scrub_replaces_places_dates_phones_and_mail_by_placeholders(app, deduce_worker):
    text = "Vader woont in Almere, bel 06-12345678 of mail r.sedney@outlook.com; gesprek op 12 maart 2025."
    app.config["DEDUCE_SOCKET"] = deduce_worker[0]
    try:
        with app.test_request_context():
            scrubbed = scrub.scrub_text(text, None, scrub.deduce_finder())
    finally:
        app.config["DEDUCE_SOCKET"] = None
    for gone in ("Almere", "06-12345678", "r.sedney@outlook.com", "12 maart 2025"):
        assert gone not in scrubbed
    assert "[plaats]" in scrubbed and "[telefoonnummer]" in scrubbed and "[e-mailadres]" in scrubbed
    assert "[datum]" in scrubbed


def test_scrub_finds_lower_case_names_and_schools(app):
    scrubbed = scrub.scrub_text("jayden de wit wordt gepest op amadeus lyceum, zegt moeder (fatima).")
    assert "jayden" not in scrubbed and "wit" not in scrubbed and "amadeus" not in scrubbed and "fatima" not in scrubbed
    assert scrub.scrub_text("Hij gaat naar het lyceum.") == "Hij gaat naar het lyceum."


def test_scrub_with_deduce_removes_every_labelled_span_of_the_development_set(app, deduce_worker):
    app.config["DEDUCE_SOCKET"] = deduce_worker[0]
    try:
        with app.test_request_context():
            removed, total = _recall(_rows(), scrub.deduce_finder())
    finally:
        app.config["DEDUCE_SOCKET"] = None
    assert total > 150
    assert removed == total, f"span recall {removed}/{total}"


def test_scrub_without_deduce_still_removes_nearly_every_labelled_span(app):
    with app.test_request_context():
        removed, total = _recall(_rows(), None)
    assert removed / total >= 0.97, f"span recall {removed}/{total}"


def test_scrub_refuses_when_deduce_is_configured_but_silent(app, tmp_path):
    app.config["DEDUCE_SOCKET"] = str(tmp_path / "nobody.sock")
    try:
        with app.test_request_context(), pytest.raises(scrub.ScrubUnavailable):
            scrub.scrub_text("Moeder Fatima belt.", None, scrub.deduce_finder())
    finally:
        app.config["DEDUCE_SOCKET"] = None
