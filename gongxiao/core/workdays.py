"""Working days of mainland China: weekends, public holidays and the weekend days worked in lieu (调休).

The calendar comes from the `holidays` package, which carries the State Council's yearly notices.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays


@cache
def _calendar(first_year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=range(first_year, first_year + 3))


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (day itself not counted)."""
    return _calendar(day.year).get_nth_working_day(day, count)  # type: ignore[no-any-return]


def is_working_day(day: dt.date) -> bool:
    return bool(_calendar(day.year).is_working_day(day))
