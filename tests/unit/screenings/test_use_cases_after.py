"""After the event, through the use cases on an in-memory unit of work: reminders,
completion and report chasers (the timers), the host's report and attendees' feedback."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts import screenings as events
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.screenings.app import changes, reports, rsvps
from services.screenings.app.timers import COMPLETE, FEEDBACK_ASK, REMINDER, REPORT_CHASE, timer_handlers
from services.screenings.domain.screening import Status

from .factories import NOW
from .fakes import stored
from .scenarios import END, MANAGER, SETTINGS, START, answered, as_leader, network, registered, seat

HANDLERS = timer_handlers(SETTINGS)
REPORT = {"head_count": 42, "partners": ["Interfaith Council"], "audiences": ["general_public", "students"],
          "follow_up_actions": ["A second screening"], "notes": "Good questions."}


def held(capacity: int = 1):
    """A screening of leader 1 with leader 2 as co-host, Ana seated, Ben waitlisted."""
    uow = network()
    view = registered(uow, 1, capacity=capacity, cohost_ids=[2])
    ana, ben = seat(uow, view["id"], "Ana"), seat(uow, view["id"], "Ben")
    return uow.next(), view, ana, ben


def completed():
    uow, view, ana, ben = held()
    HANDLERS[COMPLETE](uow, {"screening_id": view["id"]}, END)
    return uow.next(), view, ana, ben


# --- the timers -----------------------------------------------------------------------


def test_a_reminder_goes_to_the_organisers_and_the_seat_holders():
    uow, view, ana, _ = held()
    due, payload = uow.jobs[(REMINDER, f"{view['id']}:day_before")]
    HANDLERS[REMINDER](uow, payload, due)
    assert all(isinstance(p, events.ScreeningReminderDue) for p in uow.published)
    assert [(p.recipient_role, p.recipient.email) for p in uow.published] == [
        ("host", "leader1@pd.example.gov"), ("cohost", "leader2@pd.example.gov"), ("attendee", "ana@example.org")]
    assert uow.published[2].reminder == "day_before" and uow.published[2].rsvp_id == ana["rsvp_id"]
    assert all(p.invitation_method is None for p in uow.published)


def test_no_reminder_for_a_cancelled_event_or_once_it_started():
    uow, view, _, _ = held()
    _, payload = uow.jobs[(REMINDER, f"{view['id']}:day_of")]
    HANDLERS[REMINDER](uow, payload, START)
    assert uow.published == []
    changes.cancel_screening(uow, as_leader(1), view["id"], "Flooded.", now=NOW, settings=SETTINGS)
    uow = uow.next()
    HANDLERS[REMINDER](uow, payload, START - timedelta(hours=3))
    assert uow.published == []


def test_the_end_completes_the_event_and_schedules_the_first_chaser():
    uow, view, _, _ = held()
    HANDLERS[COMPLETE](uow, {"screening_id": view["id"]}, END - timedelta(minutes=1))
    assert stored(uow, view["id"]).status is Status.SCHEDULED and (REPORT_CHASE, view["id"]) not in uow.jobs
    HANDLERS[COMPLETE](uow, {"screening_id": view["id"]}, END)
    assert stored(uow, view["id"]).status is Status.COMPLETED
    assert uow.jobs[(REPORT_CHASE, view["id"])] == (END + timedelta(days=1), {"screening_id": view["id"]})
    assert uow.published == []


def test_two_chasers_then_the_system_stops_asking():
    uow, view, _, _ = completed()
    due, payload = uow.jobs[(REPORT_CHASE, view["id"])]
    HANDLERS[REPORT_CHASE](uow, payload, due)
    [first] = uow.published
    assert isinstance(first, events.ScreeningReportDue) and (first.chaser, first.final) == (1, False)
    assert first.report_path == f"/manage/screenings/{view['id']}/report"
    assert stored(uow, view["id"]).chasers_sent == 1
    due, payload = uow.jobs[(REPORT_CHASE, view["id"])]
    assert due == END + timedelta(days=8)
    uow = uow.next()
    HANDLERS[REPORT_CHASE](uow, payload, due)
    [second] = uow.published
    assert (second.chaser, second.final) == (2, True) and (REPORT_CHASE, view["id"]) not in uow.jobs
    uow = uow.next()
    HANDLERS[REPORT_CHASE](uow, payload, due + timedelta(days=30))
    assert uow.published == [] and stored(uow, view["id"]).chasers_sent == 2


def test_no_chaser_once_the_report_is_filed():
    uow, view, _, _ = completed()
    _, payload = uow.jobs[(REPORT_CHASE, view["id"])]
    reports.file_report(uow, as_leader(1), view["id"], REPORT, now=END + timedelta(hours=2), settings=SETTINGS)
    assert (REPORT_CHASE, view["id"]) not in uow.jobs
    uow = uow.next()
    HANDLERS[REPORT_CHASE](uow, payload, END + timedelta(days=1))
    assert uow.published == [] and stored(uow, view["id"]).chasers_sent == 0


# --- the report -----------------------------------------------------------------------


def test_a_co_host_files_the_report_for_the_managers():
    uow, view, _, _ = completed()
    rsvps.add_walk_in(uow, as_leader(1), view["id"], "Walt", None, now=END)
    uow = uow.next()
    filed = answered("file_report", reports.file_report(uow, as_leader(2), view["id"], REPORT,
                                                        now=END + timedelta(hours=2), settings=SETTINGS))
    assert filed == {"screening_id": view["id"], "filed_at": (END + timedelta(hours=2)).isoformat(), "head_count": 42}
    kept = uow.store.reports[view["id"]]
    assert kept.filed_by == "2" and kept.partners == ("Interfaith Council",)
    [mail] = uow.published
    assert isinstance(mail, events.ScreeningReportFiled) and mail.manager_emails == SETTINGS.manager_emails
    assert mail.filed_by.email == "leader2@pd.example.gov" and mail.screening.host.email == "leader1@pd.example.gov"
    assert (mail.confirmed_rsvps, mail.walk_ins, mail.head_count) == (1, 1, 42)
    assert mail.audiences == ("general_public", "students")


def test_the_report_is_filed_once_by_an_organiser_after_the_event():
    uow, view, _, _ = held()
    with pytest.raises(Conflict, match="once the event is over"):
        reports.file_report(uow, as_leader(1), view["id"], REPORT, now=NOW, settings=SETTINGS)
    uow, view, _, _ = completed()
    later = END + timedelta(hours=1)
    with pytest.raises(Forbidden):
        reports.file_report(uow.next(), as_leader(3), view["id"], REPORT, now=later, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as refused:
        reports.file_report(uow.next(), as_leader(1), view["id"], "42 people", now=later, settings=SETTINGS)
    assert refused.value.field == "report"
    with pytest.raises(ValidationFailed) as refused:
        reports.file_report(uow.next(), as_leader(1), view["id"], {**REPORT, "head_count": -1}, now=later,
                            settings=SETTINGS)
    assert refused.value.errors[0]["field"] == "head_count"
    assert uow.store.reports == {}
    reports.file_report(uow.next(), as_leader(1), view["id"], REPORT, now=later, settings=SETTINGS)
    again = uow.next()
    with pytest.raises(Conflict, match="already been filed"):
        reports.file_report(again, as_leader(2), view["id"], REPORT, now=later, settings=SETTINGS)
    assert again.published == []


def test_a_program_manager_may_file_the_report_for_the_host():
    uow, view, _, _ = completed()
    reports.file_report(uow, MANAGER, view["id"], REPORT, now=END + timedelta(hours=1), settings=SETTINGS)
    [report] = uow.store.reports.values()
    assert report.filed_by == "1"
    [event] = uow.published
    assert event.filed_by.name.startswith("A program manager, for ")


# --- feedback -------------------------------------------------------------------------


def test_an_attendee_rates_the_event_once():
    uow, view, ana, _ = completed()
    given = answered("give_feedback", reports.give_feedback(uow, ana["rsvp_id"], ana["token"], 5, " Moving. ",
                                                            now=END + timedelta(days=1)))
    assert given == {"rsvp_id": ana["rsvp_id"], "rating": 5}
    kept = uow.store.feedback[ana["rsvp_id"]]
    assert (kept.screening_id, kept.comment) == (view["id"], "Moving.")
    with pytest.raises(Conflict, match="already been given"):
        reports.give_feedback(uow.next(), ana["rsvp_id"], ana["token"], 4, None, now=END + timedelta(days=2))
    assert uow.store.feedback[ana["rsvp_id"]].rating == 5


def test_feedback_is_for_confirmed_attendees_with_their_link_after_the_event():
    uow, view, ana, ben = held()
    with pytest.raises(Conflict, match="when the event is over"):
        reports.give_feedback(uow, ana["rsvp_id"], ana["token"], 5, None, now=NOW)
    after = END + timedelta(hours=1)
    with pytest.raises(Forbidden):
        reports.give_feedback(uow.next(), ben["rsvp_id"], ben["token"], 5, None, now=after)  # waitlisted
    with pytest.raises(NotFound):
        reports.give_feedback(uow.next(), ana["rsvp_id"], "forged", 5, None, now=after)
    with pytest.raises(ValidationFailed) as refused:
        reports.give_feedback(uow.next(), ana["rsvp_id"], ana["token"], 6, None, now=after)
    assert refused.value.errors[0]["field"] == "rating" and uow.store.feedback == {}


# --- asking attendees for feedback -------------------------------------------------------


def test_two_hours_after_the_end_each_confirmed_attendee_is_asked_with_their_own_link():
    uow, view, ana, ben = completed()
    due, payload = uow.jobs[(FEEDBACK_ASK, view["id"])]
    assert due == END + timedelta(hours=2) and payload == {"screening_id": view["id"]}
    HANDLERS[FEEDBACK_ASK](uow, payload, due)
    [asked] = uow.published  # Ben is waitlisted, the organisers are not asked
    assert isinstance(asked, events.ScreeningFeedbackRequested) and asked.recipient.email == "ana@example.org"
    assert asked.feedback_path == f"/rsvps/{ana['rsvp_id']}/feedback?token={ana['token']}"
    assert asked.rsvp_id == ana["rsvp_id"] and asked.screening.status == "completed"


def test_no_feedback_request_for_who_already_gave_it_or_a_cancelled_event():
    uow, view, ana, _ = completed()
    due, payload = uow.jobs[(FEEDBACK_ASK, view["id"])]
    reports.give_feedback(uow, ana["rsvp_id"], ana["token"], 4, None, now=END + timedelta(minutes=30))
    uow = uow.next()
    HANDLERS[FEEDBACK_ASK](uow, payload, due)
    assert uow.published == []
    uow, view, _, _ = held()
    changes.cancel_screening(uow, as_leader(1), view["id"], "Flooded.", now=NOW, settings=SETTINGS)
    assert (FEEDBACK_ASK, view["id"]) not in uow.jobs
    uow = uow.next()
    HANDLERS[FEEDBACK_ASK](uow, {"screening_id": view["id"]}, END + timedelta(hours=2))
    assert uow.published == []
