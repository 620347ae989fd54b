from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.leaders.mentorship.domain.deadlines import (
    DeadlinePolicy, add_business_time, federal_holidays, is_business_day, is_federal_holiday,
)
from services.leaders.mentorship.domain.details import Urgency

from .builders import NEW_YORK, local

POLICY = DeadlinePolicy()


def test_federal_holidays_2024():
    assert list(federal_holidays(2024)) == [
        date(2024, 1, 1), date(2024, 1, 15), date(2024, 2, 19), date(2024, 5, 27), date(2024, 6, 19),
        date(2024, 7, 4), date(2024, 9, 2), date(2024, 10, 14), date(2024, 11, 11), date(2024, 11, 28),
        date(2024, 12, 25),
    ]
    assert federal_holidays(2024)[date(2024, 11, 28)] == "Thanksgiving Day"


def test_weekend_holidays_are_observed_on_the_nearest_weekday():
    observed = federal_holidays(2021)
    assert observed[date(2021, 6, 18)] == "Juneteenth National Independence Day (observed)"  # Saturday
    assert observed[date(2021, 7, 5)] == "Independence Day (observed)"  # Sunday
    assert observed[date(2021, 12, 24)] == "Christmas Day (observed)"  # Saturday
    # 1 January 2022 was a Saturday: observed on Friday 31 December 2021.
    assert observed[date(2021, 12, 31)] == "New Year's Day (observed)"
    assert date(2022, 1, 1) not in federal_holidays(2022)
    assert is_federal_holiday(date(2026, 7, 3))  # 4 July 2026 is a Saturday


def test_juneteenth_only_from_2021():
    assert date(2020, 6, 19) not in federal_holidays(2020)
    assert date(2023, 6, 19) in federal_holidays(2023)


def test_last_and_nth_weekday_rules():
    assert date(2025, 5, 26) in federal_holidays(2025)  # Memorial Day: last Monday of May
    assert date(2025, 11, 27) in federal_holidays(2025)  # Thanksgiving: fourth Thursday
    assert date(2025, 1, 20) in federal_holidays(2025)  # MLK Day: third Monday


def test_business_days():
    assert is_business_day(date(2024, 5, 6))
    assert not is_business_day(date(2024, 5, 11))  # Saturday
    assert not is_business_day(date(2024, 5, 12))  # Sunday
    assert not is_business_day(date(2024, 7, 4))
    assert is_business_day(date(2024, 7, 4), holidays=lambda day: False)


@pytest.mark.parametrize("offered, deadline", [
    # Monday morning: two full days later.
    (local(2024, 5, 6, 10), local(2024, 5, 8, 10)),
    # Friday afternoon: the weekend does not count.
    (local(2024, 5, 10, 15), local(2024, 5, 14, 15)),
    # Saturday: the clock starts on Monday at midnight.
    (local(2024, 5, 11, 12), local(2024, 5, 15, 0)),
    # Wednesday before Independence Day (Thursday).
    (local(2024, 7, 3, 10), local(2024, 7, 8, 10)),
    # Thursday before an observed holiday (Friday 3 July 2026).
    (local(2026, 7, 2, 10), local(2026, 7, 7, 10)),
    # Wednesday before Thanksgiving: Thursday is a holiday, Friday counts.
    (local(2024, 11, 27, 9), local(2024, 12, 2, 9)),
    # Friday before Christmas 2026 (Friday 25th): Monday, Tuesday count.
    (local(2026, 12, 24, 16), local(2026, 12, 29, 16)),
])
def test_normal_deadline_is_two_business_days(offered, deadline):
    assert POLICY.deadline(offered, Urgency.NORMAL) == deadline


def test_spring_forward_keeps_the_wall_clock_time():
    offered = local(2024, 3, 8, 15)  # Friday, EST
    deadline = POLICY.deadline(offered, Urgency.NORMAL)
    assert deadline == local(2024, 3, 12, 15)  # Tuesday, EDT
    assert offered == datetime(2024, 3, 8, 20, 0, tzinfo=timezone.utc)
    assert deadline == datetime(2024, 3, 12, 19, 0, tzinfo=timezone.utc)
    assert deadline - offered == timedelta(days=4, hours=-1)


def test_fall_back_keeps_the_wall_clock_time():
    offered = local(2024, 11, 1, 15)  # Friday, EDT
    deadline = POLICY.deadline(offered, Urgency.NORMAL)
    assert deadline == datetime(2024, 11, 5, 20, 0, tzinfo=timezone.utc)  # Tuesday 15:00 EST
    assert deadline.astimezone(NEW_YORK).hour == 15


def test_deadlines_are_utc():
    assert POLICY.deadline(local(2024, 5, 6, 10), Urgency.NORMAL).tzinfo == timezone.utc


def test_input_in_any_zone_is_the_same_instant():
    offered = local(2024, 5, 10, 15)
    in_tokyo = offered.astimezone(ZoneInfo("Asia/Tokyo"))
    assert POLICY.deadline(in_tokyo, Urgency.NORMAL) == POLICY.deadline(offered, Urgency.NORMAL)


@pytest.mark.parametrize("offered, deadline", [
    (local(2024, 5, 6, 10), local(2024, 5, 7, 10)),
    (local(2024, 5, 10, 15), local(2024, 5, 13, 15)),  # Friday -> Monday
    (local(2024, 7, 3, 10), local(2024, 7, 5, 10)),  # over Independence Day
])
def test_urgent_deadline_is_one_business_day(offered, deadline):
    assert POLICY.deadline(offered, Urgency.URGENT) == deadline


@pytest.mark.parametrize("offered, urgency, reminder", [
    (local(2024, 5, 6, 10), Urgency.NORMAL, local(2024, 5, 7, 10)),
    # Half the business time, so a Friday offer is reminded on Monday, not on Sunday.
    (local(2024, 5, 10, 15), Urgency.NORMAL, local(2024, 5, 13, 15)),
    (local(2024, 5, 6, 10), Urgency.URGENT, local(2024, 5, 6, 22)),
    (local(2024, 5, 10, 15), Urgency.URGENT, local(2024, 5, 13, 3)),
])
def test_reminder_is_half_way(offered, urgency, reminder):
    assert POLICY.reminder_at(offered, urgency) == reminder
    assert offered < reminder < POLICY.deadline(offered, urgency)


def test_response_times_are_configurable():
    policy = DeadlinePolicy(normal=timedelta(days=3), urgent=timedelta(hours=8), zone_name="America/Los_Angeles")
    offered = local(2024, 5, 10, 15, zone=ZoneInfo("America/Los_Angeles"))
    assert policy.deadline(offered, Urgency.NORMAL) == local(2024, 5, 15, 15, zone=ZoneInfo("America/Los_Angeles"))
    assert policy.deadline(offered, Urgency.URGENT) == local(2024, 5, 10, 23, zone=ZoneInfo("America/Los_Angeles"))


def test_business_days_are_counted_in_the_configured_zone():
    # 23:00 Friday in Los Angeles is already Saturday in New York.
    offered = local(2024, 5, 10, 23, zone=ZoneInfo("America/Los_Angeles"))
    assert POLICY.deadline(offered, Urgency.NORMAL) == local(2024, 5, 15, 0)
    west = DeadlinePolicy(zone_name="America/Los_Angeles")
    assert west.deadline(offered, Urgency.NORMAL) == local(2024, 5, 14, 23, zone=ZoneInfo("America/Los_Angeles"))


def test_custom_holiday_calendar():
    closures = {date(2024, 5, 7)}
    policy = DeadlinePolicy(holidays=closures.__contains__)
    assert policy.deadline(local(2024, 5, 6, 10), Urgency.NORMAL) == local(2024, 5, 9, 10)


def test_a_deadline_ending_at_midnight_is_the_earliest_instant():
    assert add_business_time(local(2024, 5, 10, 0), timedelta(days=1), zone=NEW_YORK) == local(2024, 5, 11, 0)


@pytest.mark.parametrize("kwargs", [
    {"normal": timedelta(0)},
    {"urgent": timedelta(hours=-1)},
    {"urgent": timedelta(days=3)},
    {"zone_name": "Mars/Olympus_Mons"},
])
def test_bad_policies_are_refused(kwargs):
    with pytest.raises(Exception):
        DeadlinePolicy(**kwargs)


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_business_time(datetime(2024, 5, 6, 10), timedelta(days=1), zone=NEW_YORK)


def test_local_date_uses_the_zone():
    late_evening = local(2024, 5, 6, 22)
    assert late_evening.date() == date(2024, 5, 7)
    assert POLICY.local_date(late_evening) == date(2024, 5, 6)
