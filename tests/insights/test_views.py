"""The dashboard through HTTP: the figures of the built world, CSVs that match the tables."""
import csv
import io
import re

import pytest

from expertise.insights import service, views

from . import world
from .world import NOW

APRIL = "periode=anders&van=2026-04-01&tot=2026-04-30"


@pytest.fixture
def built(cast, monkeypatch):
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    return world.build(cast)


def _table(html, key):
    """Return the rows of the page's table `key` as lists of cell texts (header row first)."""
    match = re.search(rf'<table class="table table--stack" id="tabel-{key}">(.*?)</table>', html, re.S)
    assert match, key
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [[re.sub(r"<[^>]+>", "", c).replace("&lt;", "<").replace("&amp;", "&")
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_coordinator_sees_the_figures_charts_and_tables(built, cast, login):
    response = login(cast.cas).get(f"/inzicht?{APRIL}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _table(html, "teams")[1:] == [
        ["Buurtteam Overvecht", "< 5", "< 5", "< 5", "< 5"],
        ["Buurtteam Zuilen", "7", "71%", "43%", "100%"],
    ]
    assert ["GGZ / psychiatrie", "7", "71%", "18,0", "72,0", "43%"] in _table(html, "gebieden")
    for key in service.TABLE_KEYS:
        assert f'id="tabel-{key}"' in html
        assert f"/inzicht/{key}.csv?" in html
    assert html.count('<svg class="chart"') >= 8
    assert 'aria-describedby="tabel-teams"' in html


def test_every_csv_parses_and_matches_its_table_on_the_page(built, cast, login):
    client = login(cast.ada)
    html = client.get(f"/inzicht?{APRIL}").get_data(as_text=True)
    for key in service.TABLE_KEYS:
        response = client.get(f"/inzicht/{key}.csv?{APRIL}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "inzicht-" + key + "-2026-04-01_2026-04-30.csv" in response.headers["Content-Disposition"]
        parsed = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
        assert [row[2:] for row in parsed] == _table(html, key), key
        assert all(row[:2] == ["2026-04-01", "2026-04-30"] for row in parsed[1:])


def test_filters_reach_the_figures_and_the_csv_links(built, cast, login):
    client = login(cast.cas)
    url = f"/inzicht?{APRIL}&team={cast.bram.team_id}"
    html = client.get(url).get_data(as_text=True)
    assert _table(html, "teams")[1:] == [["Buurtteam Overvecht", "< 5", "< 5", "< 5", "< 5"]]
    assert f"team={cast.bram.team_id}" in re.search(r'href="(/inzicht/teams\.csv[^"]*)"', html).group(1)


def test_a_bad_custom_period_says_why_and_shows_this_month(built, cast, login):
    response = login(cast.cas).get("/inzicht?periode=anders&van=2026-05-01&tot=2026-04-01")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "De einddatum ligt voor de begindatum." in html
    assert "1 mei 2026 tot en met 31 mei 2026" in html  # NOW is in May
    assert login(cast.cas).get("/inzicht/teams.csv?periode=anders&van=x").status_code == 400


def test_an_unknown_table_is_404(built, cast, login):
    assert login(cast.cas).get(f"/inzicht/onbekend.csv?{APRIL}").status_code == 404


def test_no_question_text_or_family_worker_name_on_the_dashboard(built, cast, login):
    client = login(cast.cas)
    pages = [client.get(f"/inzicht?{APRIL}").get_data(as_text=True)]
    pages += [client.get(f"/inzicht/{key}.csv?{APRIL}").get_data(as_text=True) for key in service.TABLE_KEYS]
    for page in pages:
        for needle in ("Vraag Q1", "Een advies.", "Besproken met ouders", cast.anna.name, cast.bram.name,
                       cast.eva.name, "slaapt slecht"):
            assert needle not in page


def test_the_dashboard_runs_a_fixed_number_of_queries(built, cast, login, app):
    """The page's queries do not grow with the number of questions, teams or months."""
    import sqlalchemy as sa

    from expertise.extensions import db

    client = login(cast.cas)
    counted = []

    def count(*_args):
        counted.append(1)

    def queries():
        counted.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/inzicht?{APRIL}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    before = queries()
    from .. import factories
    for n in range(6):
        factories.make_question(cast.bram, areas=cast.olaf.expertise_areas, now=world.ams(2026, 4, 22, 9, n))
    factories.make_team("Buurtteam Noord")
    db.session.commit()
    assert queries() == before
    assert before <= 29  # 7 for the session and the page frame, 22 for the figures (one: answers found)
