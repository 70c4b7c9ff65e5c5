"""The coordinator's dashboard in Chromium: /inzicht shows charts beside tables with the
same figures; changing the period and a filter keeps both; axe-core finds no WCAG 2.1 AA
violation."""
import pytest

from .helpers import log_in

pytestmark = pytest.mark.browser


def test_coordinator_changes_period_and_filter_and_reads_chart_and_table(page, axe):
    log_in(page, "coordinator@demo.test")
    page.get_by_role("link", name="Inzicht", exact=True).first.click()
    page.wait_for_url("**/inzicht")
    assert page.get_by_role("heading", name="Inzicht in het gebruik").is_visible()
    axe(page)

    page.get_by_label("Periode", exact=True).select_option("jaar")
    page.get_by_label("Buurtteam", exact=True).select_option(label="Buurtteam Zuilen")
    page.get_by_role("button", name="Toon cijfers").click()
    page.wait_for_url("**/inzicht?periode=jaar*")
    assert "team=" in page.url
    assert page.get_by_label("Periode", exact=True).input_value() == "jaar"

    # The demo world's questions were asked by Anna of Zuilen when it was seeded (this year).
    table = page.get_by_role("table", name="Vragen per buurtteam")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 1 and "Buurtteam Zuilen" in rows.first.inner_text()
    chart = page.locator("#grafiek-teams-0")
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    overview = page.get_by_role("table", name="Overzicht")
    assert overview.is_visible()
    assert page.locator("svg.chart").count() >= 1
    assert page.get_by_role("link", name="Download „Overzicht” als CSV").get_attribute("href").startswith(
        "/inzicht/overzicht.csv?")
    axe(page)

    # A custom period with its end before its start says why and keeps the page usable.
    page.get_by_label("Periode", exact=True).select_option("anders")
    page.get_by_label("Van (bij zelf kiezen)").fill("2026-05-01")
    page.get_by_label("Tot en met").fill("2026-04-01")
    page.get_by_role("button", name="Toon cijfers").click()
    assert page.get_by_role("alert").inner_text().startswith("De einddatum ligt voor de begindatum.")
    axe(page)
