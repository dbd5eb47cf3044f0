"""PostHog's date expressions: absolute dates and relative ones such as `-7d` or `mStart`."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from domain.instants import parse_instant

_RELATIVE = re.compile(r"^-?(?P<number>\d+)?(?P<unit>[hdwmqyMs])(?P<position>Start|End)?$")
_UNPADDED_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _start_of(moment: datetime, unit: str) -> datetime:
    if unit in "sM":
        return moment.replace(second=0 if unit == "M" else moment.second, microsecond=0)
    if unit == "h":
        return moment.replace(minute=0, second=0, microsecond=0)
    day_start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return day_start
    if unit in "wq":
        # Weeks start on Sunday, PostHog's default.
        return day_start - timedelta(days=(day_start.weekday() + 1) % 7)
    if unit == "m":
        return day_start.replace(day=1)
    return day_start.replace(month=1, day=1)


def _end_of(moment: datetime, unit: str) -> datetime:
    start = _start_of(moment, unit)
    following = {
        "s": lambda: start + timedelta(seconds=1),
        "M": lambda: start + timedelta(minutes=1),
        "h": lambda: start + timedelta(hours=1),
        "d": lambda: start + timedelta(days=1),
        "w": lambda: start + timedelta(weeks=1),
        "q": lambda: start + timedelta(weeks=13),
        "m": lambda: _add_months(start, 1),
        "y": lambda: _add_months(start, 12),
    }[unit]()
    return following - timedelta(microseconds=1)


def _relative(number: int, unit: str, now: datetime) -> datetime:
    if unit in "my":
        return _add_months(now, -number * (12 if unit == "y" else 1))
    step = {
        "s": timedelta(seconds=1),
        "M": timedelta(minutes=1),
        "h": timedelta(hours=1),
        "d": timedelta(days=1),
        "w": timedelta(weeks=1),
        "q": timedelta(weeks=13),
    }[unit]
    return now - number * step


def parse_date(text: str, now: datetime, zone: tzinfo = UTC) -> datetime:
    """An aware datetime for an absolute or relative date; ValueError when it is neither.

    Absolute dates without an offset are read in `zone`. A relative amount always looks
    back (`7d` and `-7d` are both seven days ago), as in PostHog.
    """
    text = text.strip()
    match = _RELATIVE.match(text)
    if match:
        try:
            moment = _relative(int(match["number"] or 0), match["unit"], now.astimezone(zone))
            if match["position"] == "Start":
                moment = _start_of(moment, match["unit"])
            elif match["position"] == "End":
                moment = _end_of(moment, match["unit"])
        except OverflowError:
            raise ValueError(f"{text!r} reaches outside the calendar") from None
        return moment
    unpadded = _UNPADDED_DATE.match(text)
    if unpadded:
        year, month, day = (int(part) for part in unpadded.groups())
        return datetime.combine(date(year, month, day), time(), tzinfo=zone)
    return parse_instant(text.replace(" ", "T", 1) if " " in text else text, zone)
