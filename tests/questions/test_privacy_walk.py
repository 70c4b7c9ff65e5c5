"""T-3 and T-5: the resident's identity shows on no page, header, redirect or log line
but the owner's own question and resident pages.

The scenario: anna asks about a new resident through the form (so the
identity travels the real path), eva advises, anna replies, a guard block
with the identity in the text is tried. Then the resident's needles (and a
BSN) are put into every free-text field the guard reads, by each person who
writes it (`guarded.DRIVERS`, enumerated from the forms), plainly and
disguised (Markdown splitting the name, a zero-width space, an HTML entity).
Then every GET route of the app is requested, with every id filled from the
seeded objects, by every role of the cast, bram (another team), carla
(anna's team) and an anonymous visitor; each answer is searched as sent and
as a reader sees it (tags stripped, entities decoded, invisible characters
dropped), so a name that Markdown splits is found too.
"""
import logging
import re
import unicodedata

from markupsafe import Markup

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.questions import guard
from expertise.vault.models import RecoveryRequest

from .guarded import DRIVERS, World
from .residents import find_needles, make_colleague

BSN = "111222333"
# What each writer tries: the owner knows the resident; anyone else's texts are tried with the
# needles too (they warn and are refused unconfirmed) except those moderation holds, whose
# writers are shown to moderators by design: those get the BSN only.
OWNER_TRIES = [
    "Janneke de Vries-Özdemir (03-05-2010), dossier J-2023-0451.",
    "Jan*neke* de Vr**ies**-Öz\u200bdemir, dossier J-2023-04&#53;1, 3 mei 2010.",
    f"Het BSN is {BSN}.",
]
HOLD_TRIES = [f"Het BSN is {BSN}.", "Het BSN is 1112&#50;2333."]

# anna's pages that may show her own resident's identity (and no one else's pages).
OWNER_PAGES = {"questions.detail", "questions.new", "questions.edit", "vault.residents", "vault.resident",
               "questions.hand_over_resident"}


def _scenario(cast, login):
    world = World(cast, login)
    anna, question, advice = world.client(cast.anna), world.question, world.advice
    anna.post(f"/vragen/{question.id}/reageren", {"body": "Dank, dat proberen we.", "actie": "plaatsen"})
    # A refused attempt with the identity in the text: nothing of it may surface anywhere.
    anna.post(f"/vragen/{question.id}/reageren", {"body": "Janneke (03-05-2010) slaapt slecht.", "actie": "plaatsen"})
    # The question on the agenda of anna's team's weekly consultation, eva present.
    item = world.planned_item()
    for driver in DRIVERS:
        for text in OWNER_TRIES if driver.policy == guard.WARN else HOLD_TRIES:
            response = driver.submit(world, text)
            assert response.status_code in (200, 400), (str(driver), text)  # refused, nothing stored
    summary_id = _published_summary(cast, login, world)
    recovery = RecoveryRequest(started_by_id=cast.ada.id, from_user_id=cast.anna.id, to_user_id=cast.anna.id,
                               created_at=utcnow())
    db.session.add(recovery)
    db.session.commit()
    ids = {
        "series_id": world.series.id,
        "meeting_id": item.meeting_id,
        "item_id": item.id,
        "question_id": question.id,
        "post_id": advice.id,
        "resident_id": question.resident_id,
        "request_id": recovery.id,
        "user_id": cast.anna.id,
        "object_id": cast.anna.team_id,
        "token": "onbekend",
        "filename": "css/app.css",
        "key": "teams",
        "summary_id": summary_id,
    }
    return anna, ids


# A text about the resident written before the guard read it (legacy data), in a case anna offers
# for the knowledge base: the scrub must take the identity out before anyone else reads it.
LEGACY_SITUATION = ("Janneke de Vries-Özdemir (3 mei 2010, dossier J-2023-0451) slaapt slecht sinds de "
                    "verhuizing; Jan*neke* wil niet naar school.")


def _published_summary(cast, login, world):
    """anna closes a case about the resident, offers it (scrubbed), submits it; mila publishes it."""
    from expertise.knowledge.models import CaseSummary

    from ..factories import make_closed_case

    question = make_closed_case(cast.anna, cast.eva, resident=world.question.resident, title="Slapen na de verhuizing",
                                advice="Een vast ritueel voor het slapengaan helpt.")
    question.situation = LEGACY_SITUATION
    db.session.commit()
    anna = world.client(cast.anna)
    response = anna.post(f"/vragen/{question.id}/kennisbank")
    assert response.status_code == 302, response.status_code
    summary_id = int(response.headers["Location"].rsplit("/", 1)[1])
    summary = db.session.get(CaseSummary, summary_id)
    form = {name: getattr(summary, name) for name in ("title", "situation", "request", "advice", "outcome_note")}
    assert anna.post(f"/kennisbank/aanbod/{summary_id}", form | {"actie": "indienen"}).status_code == 302
    assert world.client(cast.mila).post(f"/moderatie/kennisbank/{summary_id}", {"actie": "approve"}).status_code == 302
    return summary_id


def _get_routes(app, ids):
    """Yield (endpoint, url) for every GET route, its arguments filled from `ids`."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        values = {name: ids[name] for name in rule.arguments}
        yield rule.endpoint, re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
    # Every table of the coordinator dashboard as CSV, not only the one `key` fills in.
    from expertise.insights.service import TABLE_KEYS

    for key in TABLE_KEYS:
        yield "insights.table_csv", f"/inzicht/{key}.csv?periode=jaar"
    # Knowledge-base search results (the box shows the words searched, so no needle is searched
    # here: that the name is not in the index is checked by the knowledge-base test below).
    for words in ("slapen verhuizing", "school", "dossier"):
        yield "knowledge.index", f"/kennisbank?q={words}"


# What a family worker writing a new question sends for similar cases (both ways: the
# form's button without JavaScript, and the fragment similar.js asks for).
SIMILAR_FORM = {"title": "Slapen na een verhuizing", "situation": "Het kind slaapt slecht sinds de verhuizing.",
                "request": "Wat helpt?"}


def _suggestions(client):
    """Yield (url, response) of the similar-case suggestions as this client."""
    yield "/kennisbank/vergelijkbaar", client.post("/kennisbank/vergelijkbaar", SIMILAR_FORM)
    yield "/vragen/nieuw (vergelijkbaar)", client.post("/vragen/nieuw", SIMILAR_FORM | {"actie": "vergelijkbaar"})


def _as_read(text):
    """Return `text` as a reader sees it: tags stripped, entities decoded, NFKC, invisible characters dropped."""
    plain = unicodedata.normalize("NFKC", Markup(text).striptags())
    return "".join(c for c in plain if unicodedata.category(c) != "Cf")


def _find(text):
    found = find_needles(text) + find_needles(_as_read(text))
    return sorted(set(found + [BSN for t in (text, _as_read(text)) if BSN in t.replace(" ", "").replace(".", "")]))


def _leaks(response):
    found = _find(response.get_data(as_text=True))
    for name, value in response.headers.items():
        found += [f"{name}: {n}" for n in _find(value)]
    return found


def _walk(app, cast, login, anna, ids):
    """Request every GET route as everyone; return the leaks outside the owner's pages."""
    carla = make_colleague(cast.anna)
    people = {"anna": anna}
    for person in (cast.bram, cast.eva, cast.olaf, cast.mila, cast.cas, cast.ada, carla):
        people[person.name] = login(person)
    people["anonymous"] = login(None)
    leaks = []
    owner_pages_seen = set()
    for endpoint, url in _get_routes(app, ids):
        for who, client in people.items():
            response = client.get(url)
            found = _leaks(response)
            if who == "anna" and endpoint in OWNER_PAGES:
                if found:
                    owner_pages_seen.add(endpoint)
                continue
            if found:
                leaks.append((who, url, response.status_code, found))
    for who, client in people.items():
        for url, response in _suggestions(client):
            found = _leaks(response)
            if found and not (who == "anna" and url.startswith("/vragen/nieuw")):  # anna's own form: her residents
                leaks.append((who, url, response.status_code, found))
    return leaks, owner_pages_seen


def test_identity_appears_on_no_page_header_or_redirect_but_the_owners_own(app, cast, login):
    anna, ids = _scenario(cast, login)
    leaks, owner_pages_seen = _walk(app, cast, login, anna, ids)
    assert leaks == []
    # The walk did reach the identity where it belongs, so the needles work.
    assert {"questions.detail", "vault.resident"} <= owner_pages_seen


def test_the_knowledge_base_shows_the_scrubbed_case_to_everyone_and_suggests_it(app, cast, login):
    """The walk above covers the knowledge base; this checks it reached a published, suggested case."""
    anna, ids = _scenario(cast, login)
    bram = login(cast.bram)
    page = bram.get(f"/kennisbank/{ids['summary_id']}").get_data(as_text=True)
    assert "Slapen na de verhuizing" in page and "[naam]" in page and find_needles(page) == []
    assert "Slapen na de verhuizing" in bram.get("/kennisbank?q=slapen").get_data(as_text=True)
    suggested = bram.post("/kennisbank/vergelijkbaar", SIMILAR_FORM).get_data(as_text=True)
    assert f"/kennisbank/{ids['summary_id']}" in suggested
    from expertise.knowledge import service as knowledge

    for needle in ("Janneke", "Özdemir", "J-2023-0451", "2010"):  # the scrubbed words are not in the index
        assert knowledge.find_summaries(text=needle).total == 0, needle


def test_identity_reaches_no_log_record(app, cast, login, caplog):
    werkzeug = logging.getLogger("werkzeug")
    old_level = werkzeug.level
    werkzeug.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG):
            anna, ids = _scenario(cast, login)
            _walk(app, cast, login, anna, ids)
            logging.getLogger("expertise").debug("capture check")
    finally:
        werkzeug.setLevel(old_level)
    logging.getLogger("expertise").debug("capture check")
    assert any(r.getMessage() == "capture check" for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(str(a) for a in (record.args or ()))
        assert _find(text) == [], (record.name, record.levelname)


def test_identity_is_in_no_monthly_report(app, cast, login, tmp_path):
    """The insights report for the municipality (CSV and HTML) of the scenario's month."""
    from expertise.core.time import AMSTERDAM

    _scenario(cast, login)
    month = utcnow().astimezone(AMSTERDAM).strftime("%Y-%m")
    result = app.test_cli_runner().invoke(args=["insights", "report", "--month", month, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(tmp_path.iterdir())
    assert [p.suffix for p in written] == [".csv", ".html"]
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert "Vragen gesteld" in text
        assert _find(text) == [], path.name
