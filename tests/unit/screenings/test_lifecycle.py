from datetime import datetime, timedelta, timezone

import pytest

from services.runtime.errors import Conflict, Forbidden, ValidationFailed
from services.screenings.domain.rules import HostRecord
from services.screenings.domain.screening import Status, new_uid

from .factories import HOST, NOW, TRUSTED_HOST, scheduled, submitted

UTC = timezone.utc
LATER = NOW + timedelta(days=1)


def test_new_screening_has_a_stable_uid_and_sequence_zero():
    screening = submitted()
    assert screening.uid.startswith("screening-") and screening.uid.endswith("@niot-len.org")
    assert screening.sequence == 0
    assert screening.created_at == screening.updated_at == NOW
    assert submitted().uid != screening.uid


def test_uid_domain_is_configurable():
    assert new_uid("calendar.example.org").endswith("@calendar.example.org")


def test_approve_schedules_a_submitted_event():
    screening = submitted()
    screening.approve(reviewer_id="pm-1", now=LATER)
    assert screening.status is Status.SCHEDULED
    assert screening.reviewed_by == "pm-1"
    assert screening.sequence == 1
    assert screening.updated_at == LATER


def test_send_back_needs_a_note_then_resubmit_then_approve():
    screening = submitted()
    uid = screening.uid
    with pytest.raises(ValidationFailed) as excinfo:
        screening.send_back(reviewer_id="pm-1", note="  ", now=LATER)
    assert excinfo.value.field == "note"
    assert screening.status is Status.SUBMITTED

    screening.send_back(reviewer_id="pm-1", note="Please add a partner organisation.", now=LATER)
    assert screening.status is Status.SENT_BACK
    assert screening.review_note == "Please add a partner organisation."

    with pytest.raises(Conflict):
        screening.approve(reviewer_id="pm-1", now=LATER)

    screening.resubmit({"partners": ["Springfield High School"]}, host=HOST, now=LATER)
    assert screening.status is Status.RESUBMITTED
    assert screening.details.partners == ("Springfield High School",)

    screening.send_back(reviewer_id="pm-1", note="Also the audience, please.", now=LATER)
    screening.resubmit({"audiences": ["students", "educators"]}, host=HOST, now=LATER)
    screening.approve(reviewer_id="pm-2", now=LATER)
    assert screening.status is Status.SCHEDULED
    assert screening.review_note is None
    assert screening.uid == uid


def test_resubmission_is_validated_like_a_new_event():
    screening = submitted()
    screening.send_back(reviewer_id="pm-1", note="Wrong film?", now=LATER)
    with pytest.raises(ValidationFailed) as excinfo:
        screening.resubmit({"film": "unknown"}, host=HOST, now=LATER)
    assert excinfo.value.field == "film"
    assert screening.status is Status.SENT_BACK and screening.details.film_slug == "waking-in-oak-creek"


def test_resubmit_by_a_host_who_became_trusted_schedules_directly():
    screening = submitted()
    screening.send_back(reviewer_id="pm-1", note="Fix the time", now=LATER)
    trusted_now = HostRecord(HOST.leader_id, "active", trusted=True)
    screening.resubmit({"start": "2026-07-15T18:00"}, host=trusted_now, now=LATER)
    assert screening.status is Status.SCHEDULED


def test_resubmit_by_an_inactive_host_is_forbidden():
    screening = submitted()
    screening.send_back(reviewer_id="pm-1", note="Fix the time", now=LATER)
    with pytest.raises(Forbidden):
        screening.resubmit(None, host=HostRecord(HOST.leader_id, "inactive"), now=LATER)


def test_only_pending_events_can_be_approved_or_sent_back():
    screening = scheduled()
    with pytest.raises(Conflict):
        screening.approve(reviewer_id="pm-1", now=LATER)
    with pytest.raises(Conflict):
        screening.send_back(reviewer_id="pm-1", note="no", now=LATER)
    with pytest.raises(Conflict):
        screening.resubmit(None, host=HOST, now=LATER)


def test_approval_after_the_start_has_passed_is_refused():
    screening = submitted()
    with pytest.raises(ValidationFailed):
        screening.approve(reviewer_id="pm-1", now=screening.details.start + timedelta(minutes=1))
    assert screening.status is Status.SUBMITTED


def test_approval_rechecks_double_booking():
    screening = submitted()
    busy = [(screening.details.start, screening.details.end)]
    with pytest.raises(Conflict):
        screening.approve(reviewer_id="pm-1", now=LATER, host_busy=busy)


def test_reschedule_bumps_sequence_and_keeps_uid():
    screening = scheduled()
    uid, sequence = screening.uid, screening.sequence
    assert screening.reschedule(start="2026-07-16T18:00", end="2026-07-16T20:00", now=LATER) is True
    assert screening.details.local_start == datetime(2026, 7, 16, 18, 0)
    assert screening.sequence == sequence + 1
    assert screening.uid == uid


def test_reschedule_to_the_same_time_changes_nothing():
    screening = scheduled()
    sequence = screening.sequence
    assert screening.reschedule(start="2026-07-15T19:00", end="2026-07-15T21:00", now=LATER) is False
    assert screening.sequence == sequence


def test_reschedule_is_validated():
    screening = scheduled()
    with pytest.raises(ValidationFailed) as excinfo:
        screening.reschedule(start="2026-07-16T18:00", end="2026-07-16T17:00", now=LATER)
    assert excinfo.value.field == "end"
    with pytest.raises(ValidationFailed) as excinfo:
        screening.reschedule(start="2026-01-02T18:00", end="2026-01-02T19:00", now=LATER)
    assert excinfo.value.field == "start"
    with pytest.raises(Conflict):
        screening.reschedule(
            start="2026-07-16T18:00", end="2026-07-16T20:00", now=LATER,
            host_busy=[(datetime(2026, 7, 16, 23, tzinfo=UTC), datetime(2026, 7, 17, 2, tzinfo=UTC))],
        )
    assert screening.details.local_start == datetime(2026, 7, 15, 19, 0)


def test_reschedule_into_a_dst_gap_is_rejected():
    screening = scheduled(venue={"name": "Hall", "address": "1 Main", "city": "Albany", "state": "NY"})
    with pytest.raises(ValidationFailed) as excinfo:
        screening.reschedule(start="2027-03-14T02:15", end="2027-03-14T04:00", now=LATER)
    assert "does not exist in America/New_York" in excinfo.value.message


def test_change_venue_bumps_sequence_and_revalidates_the_zone():
    screening = scheduled()
    before = screening.sequence
    moved = screening.change_venue(
        venue={"name": "Police Academy", "address": "1 Academy Way", "city": "Peoria", "state": "IL"}, now=LATER,
    )
    assert moved and screening.sequence == before + 1
    assert screening.details.venue.city == "Peoria" and screening.details.time_zone == "America/Chicago"

    # Into a multi-zone state where the current zone is valid: it is kept.
    screening.change_venue(venue={"name": "Hall", "address": "2 Elm", "city": "Dallas", "state": "TX"}, now=LATER)
    assert screening.details.time_zone == "America/Chicago"

    # Into a state where it is not, and the state has several zones: a zone must be chosen.
    with pytest.raises(ValidationFailed) as excinfo:
        screening.change_venue(venue={"name": "Hall", "address": "3 Oak", "city": "Boise", "state": "ID"}, now=LATER)
    assert excinfo.value.field == "time_zone"
    screening.change_venue(
        venue={"name": "Hall", "address": "3 Oak", "city": "Boise", "state": "ID"}, time_zone="America/Boise",
        now=LATER,
    )
    assert screening.details.time_zone == "America/Boise"


def test_change_venue_to_online():
    screening = scheduled()
    screening.change_venue(join_url="https://meet.example.org/niot", now=LATER)
    assert screening.details.online and screening.details.time_zone == "America/Chicago"
    with pytest.raises(ValidationFailed):
        screening.change_venue(now=LATER)


def test_cancel_scheduled_event_needs_a_message_and_bumps_sequence():
    screening = scheduled()
    before = screening.sequence
    with pytest.raises(ValidationFailed) as excinfo:
        screening.cancel(message="", now=LATER)
    assert excinfo.value.field == "message"
    screening.cancel(message="The library is closed for repairs; we will reschedule.", now=LATER)
    assert screening.status is Status.CANCELLED
    assert screening.sequence == before + 1
    assert screening.cancel_message.startswith("The library")
    with pytest.raises(Conflict):
        screening.cancel(message="again", now=LATER)
    with pytest.raises(Conflict):
        screening.reschedule(start="2026-07-20T18:00", end="2026-07-20T20:00", now=LATER)


def test_pending_event_can_be_withdrawn_without_a_message():
    screening = submitted()
    screening.cancel(message=None, now=LATER)
    assert screening.status is Status.CANCELLED


def test_sequence_only_grows_through_a_lifetime():
    screening = submitted()
    seen = [screening.sequence]
    screening.send_back(reviewer_id="pm", note="Add a partner", now=LATER)
    seen.append(screening.sequence)
    screening.resubmit({"partners": ["YMCA"]}, host=HOST, now=LATER)
    seen.append(screening.sequence)
    screening.approve(reviewer_id="pm", now=LATER)
    seen.append(screening.sequence)
    screening.reschedule(start="2026-07-16T19:00", end="2026-07-16T21:00", now=LATER)
    seen.append(screening.sequence)
    screening.reschedule(start="2026-07-16T19:00", end="2026-07-16T21:00", now=LATER)
    seen.append(screening.sequence)
    screening.change_venue(join_url="https://meet.example.org/x", now=LATER)
    seen.append(screening.sequence)
    screening.cancel(message="Sorry, postponed.", now=LATER)
    seen.append(screening.sequence)
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen) - 1  # only the no-op reschedule left it alone


def test_no_changes_once_the_event_has_started():
    screening = scheduled()
    started = screening.details.start
    with pytest.raises(Conflict):
        screening.reschedule(start="2026-07-20T18:00", end="2026-07-20T20:00", now=started)
    with pytest.raises(Conflict):
        screening.change_venue(join_url="https://meet.example.org/x", now=started)


def test_cancel_after_the_end_is_refused():
    screening = scheduled()
    with pytest.raises(Conflict):
        screening.cancel(message="too late", now=screening.details.end)


def test_complete_only_after_the_end():
    screening = scheduled()
    sequence = screening.sequence
    with pytest.raises(Conflict):
        screening.complete(now=screening.details.end - timedelta(seconds=1))
    screening.complete(now=screening.details.end)
    assert screening.status is Status.COMPLETED
    assert screening.sequence == sequence
    with pytest.raises(Conflict):
        screening.complete(now=screening.details.end)


def test_pending_event_cannot_complete():
    screening = submitted()
    with pytest.raises(Conflict):
        screening.complete(now=screening.details.end + timedelta(days=1))


def test_trusted_host_event_is_scheduled_at_sequence_zero():
    screening = scheduled()
    assert screening.status is Status.SCHEDULED
    assert screening.host_id == TRUSTED_HOST.leader_id
    assert screening.sequence == 0


def test_feeds_list_public_events_once_scheduled_and_keep_them_when_cancelled():
    pending = submitted()
    assert not pending.listed_in_feeds
    pending.cancel(message=None, now=LATER)
    assert not pending.listed_in_feeds  # never announced, so nothing to retract

    approved = submitted()
    approved.approve(reviewer_id="pm", now=LATER)
    assert approved.listed_in_feeds
    approved.cancel(message="Postponed", now=LATER)
    assert approved.listed_in_feeds

    assert scheduled().listed_in_feeds
    assert not scheduled(visibility="invitation_only").listed_in_feeds
