"""Builders shared by the mentorship domain tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.leaders.mentorship.domain.details import RequestDetails, Urgency
from services.leaders.mentorship.domain.lifecycle import Actor, MentorshipRequest

NEW_YORK = ZoneInfo("America/New_York")
TOPICS = {
    "hate-crime-investigation": "hate-crime investigation",
    "prosecution": "prosecution",
    "community-policing": "community policing",
    "school-safety": "school safety",
}
STATES = {"OH", "IN", "MI", "TX", "NY", "DC", "PR"}

# Monday 6 May 2024, 10:00 in New York: far from weekends, holidays and clock changes.
MONDAY_MORNING = datetime(2024, 5, 6, 10, 0, tzinfo=NEW_YORK).astimezone(timezone.utc)
LEADER = Actor.leader(7)
OTHER_LEADER = Actor.leader(8)
MANAGER = Actor.manager(3)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    """A wall-clock time in `zone`, as the aware UTC instant the domain works with."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(timezone.utc)


def make_details(**changes) -> RequestDetails:
    values = dict(
        requester_name="Dana Reyes", agency="Springfield PD", role="Patrol sergeant",
        email="dana.reyes@springfield.gov", state="OH", topic="hate-crime-investigation",
        description="We had our first bias-motivated assault and want advice on the investigation.",
        urgency=Urgency.NORMAL,
    )
    values.update(changes)
    return RequestDetails(**values)


def open_request(now: datetime = MONDAY_MORNING, **changes) -> MentorshipRequest:
    request = MentorshipRequest.submit(make_details(**changes), now=now, id=41)
    return request.confirm(now=now + timedelta(minutes=5))


def offered_request(now: datetime = MONDAY_MORNING, leader_id: int = 7, **changes) -> MentorshipRequest:
    return open_request(now, **changes).offer(leader_id, now=now + timedelta(minutes=10))


def accepted_request(now: datetime = MONDAY_MORNING, **changes) -> MentorshipRequest:
    return offered_request(now, **changes).accept(LEADER, now=now + timedelta(hours=2))
