"""Working days and working time: Monday to Friday, Dutch public holidays excepted.

The one calendar the platform counts with: the advice norm (`Urgency.advice_working_days`)
gives a due moment through `add_working_days`, and the coordinator's figures measure
time to first advice with `working_hours`; both count the same time, so a question is
over its norm exactly when its working hours exceed the norm's hours.

Working time is the time that falls on a working day (whole days, Amsterdam local
dates, 24 hours each): nights count, weekends and public holidays do not. A question
published on Friday 10:00 with two working days is due on Tuesday 10:00 (14 hours of
Friday, 24 of Monday, 10 of Tuesday); one published on Saturday has its clock start on
Monday 00:00, so one working day later is Tuesday 00:00 (the end of Monday).

Public holidays come from the `holidays` package (the Dutch calendar: New Year, Good
Friday, Easter and Whit Monday, King's Day, Liberation Day in lustrum years, Ascension,
Christmas).
"""
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from .time import AMSTERDAM

HOURS_PER_WORKING_DAY = 24
SECONDS_PER_WORKING_DAY = HOURS_PER_WORKING_DAY * 3600


@lru_cache(maxsize=64)
def _holidays_of(year):
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_public_holiday(day):
    """Return True when `day` (a date) is a Dutch public holiday."""
    return day in _holidays_of(day.year)


def is_working_day(day):
    """Return True for Monday–Friday dates that are no Dutch public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def _local_midnight(day):
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)


def _next_working_day(day):
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start, days):
    """Return the moment `days` working days of working time after `start` (aware datetime).

    Starting on a working day it is the same wall-clock time `days` working days later;
    starting on a weekend or holiday, the end of the `days`-th working day after it.
    The result has the timezone of `start`.
    """
    local = start.astimezone(AMSTERDAM)
    day = local.date()
    if not is_working_day(day):
        for _ in range(days):
            day = _next_working_day(day)
        due = _local_midnight(day + timedelta(days=1))
    else:
        for _ in range(days):
            day = _next_working_day(day)
        due = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=AMSTERDAM)
    return due.astimezone(start.tzinfo)


@lru_cache(maxsize=256)
def _working_days_before_year(year):
    """Working days from 1 January 2000 up to the start of `year` (negative before 2000)."""
    if year >= 2000:
        return sum(_working_days_in_year(y) for y in range(2000, year))
    return -sum(_working_days_in_year(y) for y in range(year, 2000))


@lru_cache(maxsize=256)
def _working_days_in_year(year):
    return _cumulative(year)[-1]


@lru_cache(maxsize=256)
def _cumulative(year):
    """Return a tuple: for each day of the year (index 0 = 1 January), the working days before it,
    with one more entry at the end (the year's total)."""
    counts, total = [], 0
    day = date(year, 1, 1)
    while day.year == year:
        counts.append(total)
        total += is_working_day(day)
        day += timedelta(days=1)
    counts.append(total)
    return tuple(counts)


def _working_days_before(day):
    return _working_days_before_year(day.year) + _cumulative(day.year)[day.timetuple().tm_yday - 1]


@lru_cache(maxsize=8192)
def _day_facts(day):
    """(working day?, working days before it, its local midnight as a UTC timestamp) of a date."""
    return is_working_day(day), _working_days_before(day), _local_midnight(day).timestamp()


def _working_clock(moment):
    """Working seconds from a fixed origin up to `moment`: differences of two give working time."""
    working, before, midnight = _day_facts(moment.astimezone(AMSTERDAM).date())
    elapsed = min(moment.timestamp() - midnight, SECONDS_PER_WORKING_DAY) if working else 0.0
    return before * SECONDS_PER_WORKING_DAY + elapsed


def working_seconds(start, end):
    """Return the working time between two aware datetimes, in seconds (0 when end <= start).

    Computed from a cumulative count of working days per year (cached), so it costs
    the same for a span of an hour or of a year.
    """
    if end <= start:
        return 0.0
    return _working_clock(end) - _working_clock(start)


def working_hours(start, end):
    """Return the working time between two aware datetimes, in hours."""
    return working_seconds(start, end) / 3600


def norm_hours(working_days):
    """Return the working hours of a norm given in working days."""
    return working_days * HOURS_PER_WORKING_DAY


def working_days_between(first, last):
    """Count the working days from date `first` up to and including date `last`."""
    count, day = 0, first
    while day <= last:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count

