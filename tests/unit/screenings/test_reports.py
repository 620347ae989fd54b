from datetime import timedelta

import pytest

from services.runtime.errors import Conflict, Forbidden, ValidationFailed
from services.screenings.domain.reports import FEEDBACK_ASK_DELAY, feedback_ask_at, file_report, give_feedback, \
    next_report_chase, wants_feedback
from services.screenings.domain.rsvps import AttendeeList, Rsvp, RsvpStatus
from services.screenings.films import Audience

from .factories import NOW, TRUSTED_HOST, scheduled, submitted


def report_input(**overrides):
    raw = {
        "head_count": 42,
        "partners": ["Springfield Interfaith Council", "Lanphier High School"],
        "audiences": ["general_public", "students"],
        "follow_up_actions": ["Host a roll-call screening for the night shift"],
        "notes": "Good discussion about reporting bias incidents.",
    }
    raw.update(overrides)
    return raw


def test_host_files_a_report_after_the_event():
    screening = scheduled()
    report = file_report(screening, report_input(), filed_by=TRUSTED_HOST.leader_id, now=screening.details.end)
    assert report.head_count == 42
    assert report.audiences == (Audience.GENERAL_PUBLIC, Audience.STUDENTS)
    assert report.follow_up_actions == ("Host a roll-call screening for the night shift",)
    assert report.filed_at == screening.details.end


def test_cohost_may_file_the_report():
    screening = scheduled(cohost_ids=["leader-9"])
    assert file_report(screening, report_input(), filed_by="leader-9", now=screening.details.end)


def test_report_rules():
    screening = scheduled()
    host = TRUSTED_HOST.leader_id
    with pytest.raises(Forbidden):
        file_report(screening, report_input(), filed_by="someone-else", now=screening.details.end)
    with pytest.raises(Conflict):
        file_report(screening, report_input(), filed_by=host, now=screening.details.end - timedelta(minutes=1))
    with pytest.raises(Conflict):
        file_report(screening, report_input(), filed_by=host, now=screening.details.end, already_filed=True)
    cancelled = scheduled()
    cancelled.cancel(message="Postponed", now=NOW)
    with pytest.raises(Conflict):
        file_report(cancelled, report_input(), filed_by=host, now=cancelled.details.end)
    pending = submitted()
    with pytest.raises(Conflict):
        file_report(pending, report_input(), filed_by=pending.host_id, now=pending.details.end)


@pytest.mark.parametrize(
    "overrides,field",
    [({"head_count": -1}, "head_count"), ({"head_count": "40"}, "head_count"), ({"head_count": None}, "head_count"),
     ({"audiences": []}, "audiences"), ({"audiences": ["martians"]}, "audiences"),
     ({"partners": "one"}, "partners"), ({"follow_up_actions": [""]}, "follow_up_actions"),
     ({"notes": "x" * 5001}, "notes")],
)
def test_report_validation_names_the_field(overrides, field):
    screening = scheduled()
    with pytest.raises(ValidationFailed) as excinfo:
        file_report(screening, report_input(**overrides), filed_by=TRUSTED_HOST.leader_id, now=screening.details.end)
    assert [e["field"] for e in excinfo.value.errors] == [field]


def test_report_chasers_one_day_then_a_week_later_then_stop():
    screening = scheduled()
    end = screening.details.end
    first = next_report_chase(screening, chasers_sent=0, report_filed=False)
    second = next_report_chase(screening, chasers_sent=1, report_filed=False)
    assert first == end + timedelta(days=1)
    assert second == first + timedelta(days=7)
    assert next_report_chase(screening, chasers_sent=2, report_filed=False) is None


def test_no_chasing_once_filed_or_cancelled():
    screening = scheduled()
    assert next_report_chase(screening, chasers_sent=0, report_filed=True) is None
    screening.cancel(message="Postponed", now=NOW)
    assert next_report_chase(screening, chasers_sent=0, report_filed=False) is None


def test_completed_events_are_still_chased():
    screening = scheduled()
    screening.complete(now=screening.details.end)
    first = next_report_chase(screening, chasers_sent=0, report_filed=False)
    assert first == screening.details.end + timedelta(days=1)


def confirmed_attendee(screening):
    attendees = AttendeeList(screening.id)
    return attendees.rsvp(screening, name="Ana", email="ana@example.org", now=NOW).rsvp


def test_attendee_feedback():
    screening = scheduled()
    rsvp = confirmed_attendee(screening)
    feedback = give_feedback(screening, rsvp, rating=5, comment="Very useful.", now=screening.details.end)
    assert feedback.rating == 5 and feedback.comment == "Very useful."
    assert give_feedback(screening, rsvp, rating=1, comment=None, now=screening.details.end).comment == ""


@pytest.mark.parametrize("rating", [0, 6, 3.5, "4", True, None])
def test_feedback_rating_is_one_to_five(rating):
    screening = scheduled()
    rsvp = confirmed_attendee(screening)
    with pytest.raises(ValidationFailed) as excinfo:
        give_feedback(screening, rsvp, rating=rating, comment="", now=screening.details.end)
    assert excinfo.value.field == "rating"


def test_feedback_rules():
    screening = scheduled()
    rsvp = confirmed_attendee(screening)
    with pytest.raises(Conflict):
        give_feedback(screening, rsvp, rating=4, comment="", now=screening.details.start)
    with pytest.raises(ValidationFailed):
        give_feedback(screening, rsvp, rating=4, comment="x" * 2001, now=screening.details.end)
    waitlisted = Rsvp("r", screening.id, "Ben", "ben@example.org", RsvpStatus.WAITLISTED, 2, NOW)
    with pytest.raises(Forbidden):
        give_feedback(screening, waitlisted, rating=4, comment="", now=screening.details.end)
    other = scheduled()
    with pytest.raises(Forbidden):
        give_feedback(other, rsvp, rating=4, comment="", now=other.details.end)


def test_who_is_asked_for_feedback_and_when():
    screening = scheduled()
    seated = Rsvp(id="r1", screening_id=screening.id, name="Ana", email="ana@example.org",
                  status=RsvpStatus.CONFIRMED, position=1, created_at=NOW)
    assert feedback_ask_at(screening) == screening.details.end + FEEDBACK_ASK_DELAY
    assert not wants_feedback(screening, seated, already_given=False)  # not over yet
    screening.complete(now=screening.details.end)
    assert wants_feedback(screening, seated, already_given=False)
    assert not wants_feedback(screening, seated, already_given=True)
    walk_in = Rsvp(id="r2", screening_id=screening.id, name="Walt", email=None, status=RsvpStatus.CONFIRMED,
                   position=2, created_at=NOW, walk_in=True)
    waiting = Rsvp(id="r3", screening_id=screening.id, name="Ben", email="ben@example.org",
                   status=RsvpStatus.WAITLISTED, position=3, created_at=NOW)
    assert not wants_feedback(screening, walk_in, already_given=False)
    assert not wants_feedback(screening, waiting, already_given=False)
