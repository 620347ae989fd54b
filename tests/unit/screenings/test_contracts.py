from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from services.contracts import InvalidEvent, build, parse, spec
from services.contracts.screenings import (
    PUBLIC_PATHS,
    RsvpCancelled,
    RsvpConfirmed,
    RsvpWaitlisted,
    ScreeningCancelled,
    ScreeningInfo,
    ScreeningReportDue,
    ScreeningRescheduled,
    ScreeningSubmitted,
    When,
)
from services.screenings.calendar import METHOD_CANCEL, METHOD_REQUEST, CalendarEvent, Party, invitation_ics

from .factories import scheduled

UTC = timezone.utc
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
SCREENING_ID = "7d0f3c4e-58a1-4c8e-9f57-1f0c7a6b2d11"
RSVP_ID = "0b8e5d0a-2c7f-4a51-8a0e-5b6e1c9d3f22"

EXPECTED_TYPES = {
    "screening_submitted", "screening_approved", "screening_scheduled", "screening_sent_back",
    "screening_rescheduled", "screening_venue_changed", "screening_cancelled",
    "rsvp_confirmed", "rsvp_waitlisted", "rsvp_promoted", "rsvp_cancelled",
    "screening_reminder_due", "screening_report_due", "screening_report_filed",
}


def when(**overrides):
    values = dict(
        start_utc="2026-07-16T00:00:00+00:00", end_utc="2026-07-16T02:00:00+00:00",
        time_zone="America/Chicago", local_start="2026-07-15T19:00", local_end="2026-07-15T21:00",
        local_label="Wed, Jul 15, 2026, 7:00 PM - 9:00 PM CDT",
    )
    values.update(overrides)
    return values


def info(**overrides):
    values = dict(
        screening_id=SCREENING_ID, uid="screening-abc@niot-len.org", sequence=1, status="scheduled",
        title="Waking in Oak Creek", film_title="Waking in Oak Creek", kind="film_screening",
        format="community_screening", online=False,
        venue="Lincoln Library, 326 S 7th St, Springfield, IL", state="IL", when=when(),
        host={"name": "Chief Lee", "email": "lee@springfield.gov"}, cohosts=(),
        page_path=f"/screenings/{SCREENING_ID}", ics_path=f"/screenings/{SCREENING_ID}/event.ics",
    )
    values.update(overrides)
    return values


def ics(method, status_screening=None):
    event = CalendarEvent.from_screening(status_screening or scheduled())
    return invitation_ics(
        event, method=method, organizer=Party("lee@springfield.gov", "Chief Lee"),
        attendees=[Party("ana@example.org", "Ana")], dtstamp=NOW,
    ).decode("utf-8")


def attendee_fields(**overrides):
    values = dict(
        screening=info(), recipient={"name": "Ana", "email": "ana@example.org"}, recipient_role="attendee",
        rsvp_id=RSVP_ID, cancel_path=f"/rsvps/{RSVP_ID}/cancel?token=abc",
    )
    values.update(overrides)
    return values


def test_every_screenings_event_is_registered_for_the_mailer():
    for event_type in EXPECTED_TYPES:
        registered = spec(event_type)
        assert registered.producer == "screenings"
        assert registered.consumers == ("mailer",)


def test_a_confirmed_rsvp_round_trips_through_the_envelope_with_its_invitation():
    payload = RsvpConfirmed(
        **attendee_fields(), invitation_method="REQUEST", invitation_ics=ics(METHOD_REQUEST), confirmed_at=NOW,
    )
    event = parse(build("screenings", payload).model_dump_json())
    assert event.type == "rsvp_confirmed"
    assert event.data == payload
    assert "METHOD:REQUEST\r\n" in event.data.invitation_ics
    assert event.data.screening.when.local_start == datetime(2026, 7, 15, 19, 0)


def test_the_invitation_method_must_match_the_calendar_body():
    with pytest.raises(ValidationError, match="METHOD"):
        RsvpConfirmed(**attendee_fields(), invitation_method="CANCEL", invitation_ics=ics(METHOD_REQUEST), confirmed_at=NOW)
    with pytest.raises(ValidationError, match="come together"):
        RsvpConfirmed(**attendee_fields(), invitation_method="REQUEST", confirmed_at=NOW)


def test_a_cancellation_carries_a_cancel_invitation_and_the_hosts_message():
    cancelled = scheduled()
    cancelled.cancel(message="The library flooded.", now=NOW)
    payload = ScreeningCancelled(
        **attendee_fields(screening=info(status="cancelled", sequence=cancelled.sequence)),
        invitation_method="CANCEL", invitation_ics=ics(METHOD_CANCEL, cancelled),
        message="The library flooded.", cancelled_at=NOW,
    )
    assert "STATUS:CANCELLED" in payload.invitation_ics and payload.message == "The library flooded."


def test_local_wall_time_must_be_the_utc_instant_read_in_the_zone():
    When(**when())
    winter = When(**when(
        start_utc="2026-01-15T01:00:00Z", end_utc="2026-01-15T03:00:00Z",
        local_start="2026-01-14T19:00", local_end="2026-01-14T21:00",
    ))
    assert winter.start_utc.tzinfo == UTC
    with pytest.raises(ValidationError, match="local_start"):
        When(**when(local_start="2026-07-15T18:00"))
    with pytest.raises(ValidationError, match="IANA"):
        When(**when(time_zone="Central"))
    with pytest.raises(ValidationError, match="UTC offset"):
        When(**when(start_utc="2026-07-16T00:00:00"))


def test_the_join_link_goes_only_to_seat_holders_of_online_events():
    online = info(online=True, venue=None)
    RsvpConfirmed(**attendee_fields(screening=online), join_url="https://meet.example.org/x", confirmed_at=NOW)
    with pytest.raises(ValidationError, match="waitlisted"):
        RsvpWaitlisted(
            **attendee_fields(screening=online, recipient_role="waitlisted"),
            join_url="https://meet.example.org/x", position=1, waitlisted_at=NOW,
        )
    with pytest.raises(ValidationError, match="only an online event"):
        RsvpConfirmed(**attendee_fields(), join_url="https://meet.example.org/x", confirmed_at=NOW)
    with pytest.raises(ValidationError, match="https"):
        RsvpConfirmed(**attendee_fields(screening=online), join_url="http://meet.example.org/x", confirmed_at=NOW)


def test_an_attendee_mail_needs_the_private_cancel_link():
    with pytest.raises(ValidationError, match="cancel link"):
        RsvpCancelled(**attendee_fields(cancel_path=None), was_confirmed=True, cancelled_at=NOW)


def test_an_organiser_copy_needs_no_rsvp():
    payload = ScreeningRescheduled(
        screening=info(sequence=2), recipient={"name": "Chief Lee", "email": "lee@springfield.gov"},
        recipient_role="host", previous_when=when(
            start_utc="2026-07-15T23:00:00Z", end_utc="2026-07-16T01:00:00Z",
            local_start="2026-07-15T18:00", local_end="2026-07-15T20:00",
        ), rescheduled_at=NOW,
    )
    assert payload.rsvp_id is None


def test_venue_and_online_exclude_each_other():
    with pytest.raises(ValidationError, match="online"):
        ScreeningInfo(**info(online=True))
    with pytest.raises(ValidationError, match="online"):
        ScreeningInfo(**info(venue=None))


def test_manager_mail_needs_at_least_one_address_and_rejects_unknown_fields():
    fields = dict(screening=info(status="submitted"), resubmission=False,
                  review_path=f"/manage/screenings/{SCREENING_ID}/review", submitted_at=NOW)
    ScreeningSubmitted(**fields, manager_emails=("programs@niot.example.org",))
    with pytest.raises(ValidationError):
        ScreeningSubmitted(**fields, manager_emails=())
    with pytest.raises(ValidationError):
        ScreeningSubmitted(**fields, manager_emails=("programs@niot.example.org",), attendees=["x@y.org"])


def test_a_payload_that_does_not_validate_is_refused_by_the_consumer():
    envelope = build("screenings", ScreeningReportDue(
        screening=info(), chaser=1, final=False, report_path=f"/manage/screenings/{SCREENING_ID}/report", due_at=NOW,
    )).model_dump(mode="json")
    envelope["data"]["chaser"] = 0
    with pytest.raises(InvalidEvent, match="chaser"):
        parse(envelope)


def test_public_paths_are_site_paths():
    assert all(path.startswith("/") and "://" not in path for path in PUBLIC_PATHS.values())


def test_invited_defaults_to_false_so_earlier_rsvp_payloads_still_validate():
    earlier = {**attendee_fields(), "invitation_method": "REQUEST", "invitation_ics": ics(METHOD_REQUEST),
               "confirmed_at": NOW.isoformat()}
    assert RsvpConfirmed.model_validate(earlier).invited is False
    invited = RsvpConfirmed.model_validate({**earlier, "invited": True})
    assert parse(build("screenings", invited).model_dump_json()).data.invited is True
    with pytest.raises(ValidationError):
        RsvpConfirmed.model_validate({**earlier, "invited": "perhaps"})
