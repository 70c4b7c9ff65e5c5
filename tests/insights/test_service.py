"""Every figure of the dashboard on a built world with known answers (see world.py)."""
from datetime import date

import pytest

from expertise.insights import service
from expertise.insights.service import Filters, Period

from . import world
from .world import NOW

APRIL = service.month_period(2026, 4)


@pytest.fixture
def built(cast):
    return world.build(cast)


def rows(table):
    """Return {row header: [cell texts]} of a table."""
    return {row[0].text: [cell.text for cell in row[1:]] for row in table.rows}


def test_overview_counts_april_in_amsterdam_time_with_working_hours(built):
    table = service.overview(APRIL, Filters(), NOW)
    figures = dict((k, v[0]) for k, v in rows(table).items())
    assert figures["Vragen gesteld"] == "9"  # Q1–Q6, Q8, B1, B2: not Q7 (31 March) or Q9 (1 May)
    assert figures["Beantwoord"] == "67%"  # 6 of 9
    assert figures["Tijd tot eerste advies, mediaan (werkuren)"] == "15,0"  # [2, 5, 12, 18, 26, 72]
    assert figures["Tijd tot eerste advies, p90 (werkuren)"] == "72,0"
    assert figures["Boven de norm"] == "44%"  # Q4, Q5, Q6, B2 of 9
    assert figures["Terugkoppeling (afgesloten van de geadviseerde vragen)"] == "83%"  # 5 of 6 advised
    assert figures["Nu onbeantwoord"] == "5"  # Q6, Q7, Q8, Q9, B2, whatever the period
    assert figures["Nu onbeantwoord en over de norm"] == "< 5"  # Q6, Q7, B2
    assert figures["Overleggen gehouden"] == "1"  # 9 April (16 April was cancelled, 26 March outside)
    assert figures["Agendapunten besproken"] == "2"


def test_per_team_suppresses_a_team_with_fewer_than_five_questions(built):
    table = service.questions_per_team(APRIL, Filters(), NOW)
    assert rows(table) == {
        "Buurtteam Overvecht": ["< 5", "< 5", "< 5", "< 5"],
        "Buurtteam Zuilen": ["7", "71%", "43%", "100%"],  # 5 of 7 answered; Q4, Q5, Q6 over; 5 of 5 closed
    }


def test_per_area_median_and_p90_across_weekend_and_public_holidays(built):
    table = service.questions_per_area(APRIL, Filters(), NOW)
    assert rows(table) == {
        "GGZ / psychiatrie": ["7", "71%", "18,0", "72,0", "43%"],  # hours [2, 12, 18, 26, 72]
        "Opvoeding": ["< 5", "< 5", "< 5", "< 5", "< 5"],
    }


def test_first_advice_per_organisation(built):
    table = service.first_advice_per_organisation(APRIL, Filters(), NOW)
    assert rows(table) == {
        "Altrecht": ["5", "18,0", "72,0", "40%"],  # Q4 and Q5 over their norm
        "Youké": ["< 5", "< 5", "< 5", "< 5"],
    }


def test_feedback_per_organisation_outcomes_and_mean_rating(built):
    table = service.feedback_per_organisation(APRIL, Filters())
    # 5 closed with Altrecht's advice: 3 followed, 1 partly, 1 not; each of those is fewer than 5.
    assert rows(table) == {"Altrecht": ["5", "< 5", "< 5", "< 5", "3,8"]}
    assert service.feedback_per_organisation(service.month_period(2026, 5), Filters()).rows == []


def test_pool_utilisation_per_organisation(built):
    table = service.pool_utilisation(APRIL, Filters())
    assert rows(table) == {"Altrecht": ["1", "1", "5"], "Youké": ["1", "1", "< 5"]}


def test_areas_with_too_few_active_experts_are_signalled(built, app):
    table = service.experts_per_area(APRIL, Filters())
    assert rows(table) == {
        "GGZ / psychiatrie": ["1", "1", "7", "Te weinig actieve deskundigen"],
        "Opvoeding": ["1", "1", "< 5", "Te weinig actieve deskundigen"],
    }
    app.config["INSIGHTS_MIN_ACTIVE_EXPERTS"] = 1
    try:
        assert rows(service.experts_per_area(APRIL, Filters()))["GGZ / psychiatrie"][3] == "Voldoende"
    finally:
        app.config.pop("INSIGHTS_MIN_ACTIVE_EXPERTS")


def test_consultation_minutes_against_the_budget(built):
    held, discussed, table = service.consultation_figures(APRIL, Filters())
    assert (held, discussed) == (1, 2)
    assert rows(table) == {"Altrecht": ["90", "240", "nee"], "Youké": ["60", "30", "ja"]}


def test_budget_of_a_custom_period_is_pro_rata_per_month():
    assert service._budget_months(APRIL) == 1
    assert service._budget_months(Period(date(2026, 4, 16), date(2026, 5, 15))) == pytest.approx(15 / 30 + 15 / 31)


def test_trends_show_twelve_months_ending_with_the_period(built):
    table = service.trends(APRIL, Filters(), NOW)
    months = rows(table)
    assert list(months)[0] == "mei 2025" and list(months)[-1] == "april 2026"  # Dutch, not "2026-04"
    assert months["april 2026"] == ["9", "15,0", "83%"]
    assert months["maart 2026"] == ["< 5", "–", "–"]  # Q7 only, unanswered: no time, no feedback
    assert months["december 2025"] == ["0", "–", "–"]


def test_filters_by_team_area_and_organisation(built, cast):
    by_team = service.overview(APRIL, Filters(team_id=cast.anna.team_id), NOW)
    assert rows(by_team)["Vragen gesteld"] == ["7"]
    by_area = service.questions_per_area(APRIL, Filters(area_id=cast.olaf.expertise_areas[0].id), NOW)
    assert list(rows(by_area)) == ["Opvoeding"]
    by_org = service.first_advice_per_organisation(APRIL, Filters(organisation_id=cast.eva.organisation_id), NOW)
    assert list(rows(by_org)) == ["Altrecht"]
    # The organisation filter keeps the questions Altrecht advised on: Q1–Q5.
    assert rows(service.overview(APRIL, Filters(organisation_id=cast.eva.organisation_id), NOW))["Vragen gesteld"] == ["5"]


def test_every_table_takes_every_filter(built, cast):
    """Each filter reaches each table (the organisation filter once broke the tables that select posts)."""
    altrecht = Filters(organisation_id=cast.eva.organisation_id)
    assert rows(service.feedback_per_organisation(APRIL, altrecht)) == {"Altrecht": ["5", "< 5", "< 5", "< 5", "3,8"]}
    assert rows(service.pool_utilisation(APRIL, altrecht)) == {"Altrecht": ["1", "1", "5"]}
    assert rows(service.experts_per_area(APRIL, altrecht))["GGZ / psychiatrie"][:2] == ["1", "1"]
    assert rows(service.consultation_figures(APRIL, altrecht)[2]) == {"Altrecht": ["90", "240", "nee"]}
    for filters in (Filters(team_id=cast.bram.team_id), Filters(area_id=cast.olaf.expertise_areas[0].id), altrecht):
        tables = service.dashboard(APRIL, filters, NOW)
        assert [t.key for t in tables] == list(service.TABLE_KEYS)


def test_dashboard_tables_equal_the_single_functions(built):
    tables = {t.key: t for t in service.dashboard(APRIL, Filters(), NOW)}
    assert set(tables) == set(service.TABLE_KEYS)
    for key in service.TABLE_KEYS:
        assert tables[key].as_text() == service.table_by_key(key, APRIL, Filters(), NOW).as_text(), key


@pytest.mark.parametrize("kind,today,first,last", [
    ("maand", date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
    ("vorige-maand", date(2026, 1, 5), date(2025, 12, 1), date(2025, 12, 31)),
    ("kwartaal", date(2026, 5, 31), date(2026, 4, 1), date(2026, 6, 30)),
    ("jaar", date(2026, 5, 31), date(2026, 1, 1), date(2026, 12, 31)),
])
def test_period_kinds(kind, today, first, last):
    period = service.period_of(kind, today)
    assert (period.first, period.last) == (first, last)


def test_a_period_starts_and_ends_at_amsterdam_midnight():
    assert APRIL.start.isoformat() == "2026-04-01T00:00:00+02:00"
    assert APRIL.end.isoformat() == "2026-05-01T00:00:00+02:00"
    assert service.month_period(2026, 3).start.isoformat() == "2026-03-01T00:00:00+01:00"


@pytest.mark.parametrize("first,last,field", [
    (None, date(2026, 1, 1), "van"),
    (date(2026, 2, 1), date(2026, 1, 1), "tot"),
    (date(2020, 1, 1), date(2026, 1, 1), "tot"),
])
def test_a_bad_custom_period_is_refused_with_the_field(first, last, field):
    with pytest.raises(service.InsightsError) as error:
        service.period_of("anders", date(2026, 1, 1), first, last)
    assert error.value.field == field


def test_a_cell_of_one_to_four_is_suppressed_zero_and_five_are_shown():
    assert [service.count(n).text for n in (0, 1, 4, 5)] == ["0", "< 5", "< 5", "5"]
    assert service.Cell(0.5, "share", 4).text == "< 5"
    assert service.Cell(0.5, "share", 10).text == "50%"


def test_csv_cells_equal_the_table_and_keep_formulas_out(built, cast):
    import csv
    import io

    cast.anna.team.name = "=HYPERLINK(1)"
    table = service.questions_per_team(APRIL, Filters(), NOW)
    parsed = list(csv.reader(io.StringIO(service.table_csv(table, APRIL)), delimiter=";"))
    header, *body = table.as_text()
    assert parsed[0] == ["van", "tot_en_met"] + header
    assert [row[2:] for row in parsed[1:]] == [["'" + r[0]] + r[1:] if r[0].startswith("=") else r for r in body]
    assert {row[0] for row in parsed[1:]} == {"2026-04-01"}
