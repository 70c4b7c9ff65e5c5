"""The working-day calendar: weekends and Dutch public holidays skipped, norm and count agree."""
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from expertise.core import workdays
from expertise.core.time import AMSTERDAM


def ams(*args):
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(timezone.utc)


@pytest.mark.parametrize("day,working", [
    (date(2026, 4, 27), False),  # King's Day (Monday)
    (date(2026, 4, 6), False),   # Easter Monday
    (date(2026, 5, 14), False),  # Ascension Day
    (date(2026, 5, 25), False),  # Whit Monday
    (date(2026, 12, 25), False),  # Christmas
    (date(2030, 5, 6), True),     # the Monday after Liberation Day 2030 (a Sunday)
    (date(2026, 5, 5), True),    # Liberation Day is a day off only in lustrum years
    (date(2026, 11, 21), False),  # Saturday
    (date(2026, 11, 23), True),   # an ordinary Monday
])
def test_working_days_skip_weekends_and_dutch_public_holidays(day, working):
    assert workdays.is_working_day(day) is working


def test_working_hours_across_a_weekend_count_only_the_working_days():
    friday, monday = ams(2026, 11, 20, 16, 0), ams(2026, 11, 23, 9, 0)
    assert workdays.working_hours(friday, monday) == 8 + 9


def test_working_hours_across_kings_day_and_a_weekend():
    # Friday 24 April 18:00 → Tuesday 28 April 06:00: Monday 27 April is King's Day.
    assert workdays.working_hours(ams(2026, 4, 24, 18, 0), ams(2026, 4, 28, 6, 0)) == 6 + 6


def test_working_hours_of_a_start_on_a_holiday_begin_the_next_working_day():
    assert workdays.working_hours(ams(2026, 12, 25, 10, 0), ams(2026, 12, 28, 10, 0)) == 10


def test_working_hours_are_zero_for_an_empty_or_reversed_span():
    moment = ams(2026, 11, 23, 9, 0)
    assert workdays.working_hours(moment, moment) == 0
    assert workdays.working_hours(moment, moment - timedelta(hours=3)) == 0


def test_working_days_between_counts_both_ends():
    assert workdays.working_days_between(date(2026, 4, 1), date(2026, 4, 30)) == 22 - 3  # Good Friday, Easter Monday, King's Day


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(timezone.utc)),
    days=st.integers(min_value=1, max_value=5),
)
def test_the_norm_and_the_working_hour_count_agree(start, days):
    """A question is due exactly when its working hours reach the norm's hours."""
    due = workdays.add_working_days(start, days)
    assert workdays.working_hours(start, due) == pytest.approx(workdays.norm_hours(days))
    assert workdays.working_hours(start, due - timedelta(seconds=1)) < workdays.norm_hours(days)


def _slow_working_seconds(start, end):
    """Day by day, as a person counts: the overlap of the span with each working day."""
    total, day = 0.0, start.astimezone(AMSTERDAM).date()
    while day <= end.astimezone(AMSTERDAM).date():
        if workdays.is_working_day(day):
            midnight = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)
            following = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=AMSTERDAM)
            overlap = (min(end, following) - max(start, midnight)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return total


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(1998, 6, 1), max_value=datetime(2029, 12, 31),
                       timezones=st.just(timezone.utc)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
)
def test_the_cumulative_count_equals_counting_day_by_day(start, span):
    assert workdays.working_seconds(start, start + span) == pytest.approx(_slow_working_seconds(start, start + span))
