"""`flask insights report --month`: the dashboard's figures as CSV and one self-contained HTML page."""
import csv
import re

import pytest

from expertise.core import time as core_time
from expertise.insights import service

from . import world
from .world import NOW


@pytest.fixture
def built(cast, monkeypatch):
    monkeypatch.setattr(core_time, "utcnow", lambda: NOW)
    return world.build(cast)


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["insights", "report", *args])


def test_report_writes_the_months_figures_as_csv_and_html(built, app, tmp_path):
    result = _run(app, "--month", "2026-04", "--out", str(tmp_path / "rapport"))
    assert result.exit_code == 0, result.output
    csv_path, html_path = tmp_path / "rapport" / "inzicht-2026-04.csv", tmp_path / "rapport" / "inzicht-2026-04.html"
    assert f"Wrote {csv_path} and {html_path}." in result.output

    expected = {t.key: t.as_text() for t in service.dashboard(service.month_period(2026, 4), service.Filters(), NOW)}
    found = {}
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle, delimiter=";"):
            if not row:
                continue
            if row[0] == "tabel":
                header = row[3:]
                continue
            assert row[1:3] == ["2026-04-01", "2026-04-30"]
            found.setdefault(row[0], [header]).append(row[3:])
    assert found == {k: v for k, v in expected.items() if len(v) > 1}
    assert found["teams"][1:] == [["Buurtteam Overvecht", "< 5", "< 5", "< 5", "< 5"],
                                  ["Buurtteam Zuilen", "7", "71%", "43%", "100%"]]

    html = html_path.read_text(encoding="utf-8")
    assert "1 april 2026 tot en met 30 april 2026" in html
    assert html.count('<svg class="chart"') >= 8
    assert "<th scope=\"row\">Buurtteam Zuilen</th><td>7</td><td>71%</td>" in html
    # Self-contained: no script, stylesheet, image or link to fetch.
    assert not re.search(r"<script|<link|<img|\bsrc=|href=", html)
    for needle in ("Vraag Q1", "Een advies.", "Besproken met ouders", "Anna Gezinswerker", "Eva Deskundige"):
        assert needle not in html and needle not in csv_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("month", ["2026-13", "november", "26-11"])
def test_report_refuses_a_bad_month_and_writes_nothing(app, tmp_path, month):
    result = _run(app, "--month", month, "--out", str(tmp_path))
    assert result.exit_code != 0
    assert "YYYY-MM" in result.output
    assert list(tmp_path.iterdir()) == []
