"""T-3 and T-5: the resident's identity shows on no page, header, redirect or log line
but the owner's own question and resident pages.

The scenario: anna asks about a new resident through the form (so the
identity travels the real path), eva advises, anna replies, a guard block
with the identity in the text is tried. Then every GET route of the app is
requested, with every id filled from the seeded objects, by every role of the
cast, bram (another team), carla (anna's team) and an anonymous visitor.
"""
import logging
import re

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault.models import RecoveryRequest

from ..factories import make_nomination, make_post, make_series
from .residents import ask, find_needles, make_colleague, question_from

# anna's pages that may show her own resident's identity (and no one else's pages).
OWNER_PAGES = {"questions.detail", "questions.new", "questions.edit", "vault.residents", "vault.resident",
               "questions.hand_over_resident"}


def _scenario(cast, login):
    anna = login(cast.anna)
    question = question_from(ask(anna, cast))
    advice = make_post(cast.eva, question, "Probeer een vast ritueel voor het slapengaan.")
    db.session.commit()
    anna.post(f"/vragen/{question.id}/reageren", {"body": "Dank, dat proberen we.", "actie": "plaatsen"})
    # A refused attempt with the identity in the text: nothing of it may surface anywhere.
    anna.post(f"/vragen/{question.id}/reageren", {"body": "Janneke (03-05-2010) slaapt slecht.", "actie": "plaatsen"})
    recovery = RecoveryRequest(started_by_id=cast.ada.id, from_user_id=cast.anna.id, to_user_id=cast.anna.id,
                               created_at=utcnow())
    db.session.add(recovery)
    # The question on the agenda of anna's team's weekly consultation.
    series = make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva])
    item = make_nomination(cast.anna, question, series)
    db.session.commit()
    ids = {
        "series_id": series.id,
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
    }
    return anna, ids


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


def _leaks(response):
    found = find_needles(response.get_data(as_text=True))
    for name, value in response.headers.items():
        found += [f"{name}: {n}" for n in find_needles(value)]
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
    return leaks, owner_pages_seen


def test_identity_appears_on_no_page_header_or_redirect_but_the_owners_own(app, cast, login):
    anna, ids = _scenario(cast, login)
    leaks, owner_pages_seen = _walk(app, cast, login, anna, ids)
    assert leaks == []
    # The walk did reach the identity where it belongs, so the needles work.
    assert {"questions.detail", "vault.resident"} <= owner_pages_seen


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
        assert find_needles(text) == [], (record.name, record.levelname)


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
        assert find_needles(text) == [], path.name
