"""Business time: US federal holidays, business days, and how long a leader has to
answer an offer. Everything that depends on the time takes `now` (an aware datetime)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from .details import Urgency


def require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Mon=0) of a month; n=-1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    # 5 U.S.C. 6103(b): a Saturday holiday is observed on Friday, a Sunday one on Monday.
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _actual_holidays(year: int) -> dict[date, str]:
    days = {
        date(year, 1, 1): "New Year's Day",
        _nth_weekday(year, 1, 0, 3): "Birthday of Martin Luther King, Jr.",
        _nth_weekday(year, 2, 0, 3): "Washington's Birthday",
        _nth_weekday(year, 5, 0, -1): "Memorial Day",
        date(year, 7, 4): "Independence Day",
        _nth_weekday(year, 9, 0, 1): "Labor Day",
        _nth_weekday(year, 10, 0, 2): "Columbus Day",
        date(year, 11, 11): "Veterans Day",
        _nth_weekday(year, 11, 3, 4): "Thanksgiving Day",
        date(year, 12, 25): "Christmas Day",
    }
    if year >= 2021:
        days[date(year, 6, 19)] = "Juneteenth National Independence Day"
    return days


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> Mapping[date, str]:
    """US federal holidays observed in `year` (the rules in force since 2021).

    Observed days can cross a year boundary: New Year's Day on a Saturday is observed on
    the Friday before, in the previous year.
    """
    observed = {}
    for source_year in (year, year + 1):
        for day, name in _actual_holidays(source_year).items():
            shifted = _observed(day)
            if shifted.year == year:
                observed[shifted] = name if shifted == day else f"{name} (observed)"
    return MappingProxyType(dict(sorted(observed.items())))


def is_federal_holiday(day: date) -> bool:
    return day in federal_holidays(day.year)


def is_business_day(day: date, holidays: Callable[[date], bool] = is_federal_holiday) -> bool:
    return day.weekday() < 5 and not holidays(day)


def add_business_time(start: datetime, amount: timedelta, *, zone: ZoneInfo,
                      holidays: Callable[[date], bool] = is_federal_holiday) -> datetime:
    """The UTC instant when `amount` of business time has passed since `start`.

    Only time on local business days counts, and it is counted on the local wall clock,
    so "two business days" from Friday 15:00 is Tuesday 15:00 local time even when a
    clock change falls in between. Time spent on a weekend or holiday does not count:
    an offer made on a Saturday starts its clock at midnight on Monday.
    """
    require_aware(start, "start")
    if amount <= timedelta(0):
        raise ValueError("amount of business time must be positive")
    cursor = start.astimezone(zone).replace(tzinfo=None)
    remaining = amount
    while True:
        day = cursor.date()
        next_midnight = datetime.combine(day + timedelta(days=1), time())
        if is_business_day(day, holidays):
            left_today = next_midnight - cursor
            if remaining <= left_today:
                return (cursor + remaining).replace(tzinfo=zone).astimezone(timezone.utc)
            remaining -= left_today
        cursor = next_midnight


@dataclass(frozen=True)
class DeadlinePolicy:
    """How long a leader has to answer an offer, in business time.

    Urgent requests get one business day instead of two: the same calendar notion as
    normal ones, so a leader can reason about both the same way. The reminder is due
    half-way through the business time, so it never lands on a weekend.
    """

    normal: timedelta = timedelta(days=2)
    urgent: timedelta = timedelta(days=1)
    zone_name: str = "America/New_York"
    holidays: Callable[[date], bool] = is_federal_holiday

    def __post_init__(self) -> None:
        if self.normal <= timedelta(0) or self.urgent <= timedelta(0):
            raise ValueError("response times must be positive")
        if self.urgent > self.normal:
            raise ValueError("the urgent response time cannot be longer than the normal one")
        ZoneInfo(self.zone_name)  # fail at configuration time on an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def response_time(self, urgency: Urgency) -> timedelta:
        return self.urgent if urgency == Urgency.URGENT else self.normal

    def deadline(self, offered_at: datetime, urgency: Urgency) -> datetime:
        return add_business_time(offered_at, self.response_time(urgency), zone=self.zone, holidays=self.holidays)

    def reminder_at(self, offered_at: datetime, urgency: Urgency) -> datetime:
        return add_business_time(offered_at, self.response_time(urgency) / 2, zone=self.zone, holidays=self.holidays)

    def local_date(self, now: datetime) -> date:
        require_aware(now, "now")
        return now.astimezone(self.zone).date()


DEFAULT_POLICY = DeadlinePolicy()
