"""Realistic payloads for every event the mailer consumes, built through the contracts
(so they validate exactly as a producer's would)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar

from services import contracts
from services.contracts.envelope import Event

CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2026, 7, 16, 19, 0, tzinfo=CHICAGO)  # Thursday 16 July 2026, 7:00 PM CDT
NOW = datetime(2026, 7, 1, 15, 0, tzinfo=timezone.utc)
MANAGERS = ["programs@niot.example.org", "coverage@niot.example.org"]
SCREENING_ID = "3f2b8c1e-6d4a-4b7e-9c0f-2a1b3c4d5e6f"
RSVP_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
UID = f"screening-{SCREENING_ID}@niot.example.org"


def invitation(method: str, sequence: int, attendee: str = "ana.ruiz@example.org") -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Not In Our Town Law Enforcement Network//Screenings//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    ev = icalendar.Event()
    ev.add("uid", UID)
    ev.add("sequence", sequence)
    ev.add("dtstamp", NOW)
    ev.add("dtstart", START)
    ev.add("dtend", START + timedelta(hours=2))
    ev.add("summary", "Waking in Oak Creek: screening and discussion")
    ev.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = icalendar.vCalAddress("mailto:maria.lopez@chicagopd.example.org")
    ev.add("organizer", organizer)
    ev.add("attendee", icalendar.vCalAddress(f"mailto:{attendee}"))
    cal.add_component(ev)
    return cal.to_ical().decode("utf-8")


def when(start: datetime = START) -> dict:
    end = start + timedelta(hours=2)
    return {
        "start_utc": start.astimezone(timezone.utc).isoformat(),
        "end_utc": end.astimezone(timezone.utc).isoformat(),
        "time_zone": "America/Chicago",
        "local_start": start.replace(tzinfo=None).isoformat(),
        "local_end": end.replace(tzinfo=None).isoformat(),
        "local_label": "Thu, Jul 16, 2026, 7:00 PM - 9:00 PM CDT",
    }


def screening(sequence: int = 2, status: str = "scheduled", start: datetime = START) -> dict:
    return {
        "screening_id": SCREENING_ID, "uid": UID, "sequence": sequence, "status": status,
        "title": "Waking in Oak Creek: screening and discussion", "film_title": "Waking in Oak Creek",
        "kind": "film_screening", "format": "community_screening", "online": False,
        "venue": "Harold Washington Library, 400 S State St, Chicago, IL", "state": "IL",
        "when": when(start),
        "host": {"name": "Maria López", "email": "maria.lopez@chicagopd.example.org"},
        "cohosts": [{"name": "James O'Brien", "email": "james.obrien@cookcounty.example.org"}],
        "page_path": f"/screenings/{SCREENING_ID}", "ics_path": f"/screenings/{SCREENING_ID}/event.ics",
    }


def attendee(role: str = "attendee", **more) -> dict:
    values = {"screening": screening(), "recipient": {"name": "Ana Ruiz", "email": "ana.ruiz@example.org"},
              "recipient_role": role}
    if role in ("attendee", "waitlisted"):
        values.update(rsvp_id=RSVP_ID, cancel_path=f"/rsvps/{RSVP_ID}/cancel?token=tok3n-abc")
    values.update(more)
    return values


LEADER = {
    "leader_id": 7, "leader_version": 3, "name": "Maria López", "email": "maria.lopez@chicagopd.example.org",
    "agency": "Chicago Police Department", "title": "Commander", "state": "IL", "region": "great-lakes",
    "region_grouping": "federal", "status": "active", "trusted_host": False,
    "expertise": ["hate-crime-investigation"], "away_until": None,
}
REQUEST = {"request_id": 41, "topic": "hate-crime-investigation", "topic_label": "hate-crime investigation"}
T = NOW.isoformat()
LATER = (NOW + timedelta(days=2)).isoformat()

INCIDENT = {
    "request_id": 12, "postal_code": "45202", "place": "45202 (Cincinnati, OH)", "incident_state": "OH",
    "what_happened": "Swastikas were painted on a synagogue's doors overnight; the congregation is afraid.",
    "help_needed": "Advice on the community meeting tonight and on the hate-crime report.",
    "requester_organisation": "Cincinnati Police Department", "requester_role": "officer",
    "filed_at": "2026-07-01T14:55:00+00:00", "time_zone": "America/New_York", "manager_emails": MANAGERS,
    "manage_path": "/manage#urgent-12",
}
OFFERED_LEADERS = [
    {"leader_id": 31, "leader_name": "Olivia Hart", "leader_email": "olivia.hart@covington.example.gov", "miles": 2.6},
    {"leader_id": 32, "leader_name": "Ned Park", "leader_email": "ned.park@newport.example.gov", "miles": 3.7},
]

PAYLOADS: dict[str, dict] = {
    "application_submitted": {"application_id": 5, "name": "Maria López", "email": LEADER["email"],
                              "agency": "Chicago Police Department", "title": "Commander", "state": "IL",
                              "submitted_at": T},
    "application_repeated": {"email": LEADER["email"], "standing": "on_roster", "repeated_at": T},
    "application_approved": {**LEADER, "application_id": 5, "approved_at": T},
    "application_declined": {"application_id": 6, "name": "Sam Park", "email": "sam.park@example.org",
                             "reason": "We are looking for applicants with <command> experience & more.",
                             "declined_at": T},
    "application_waitlisted": {"application_id": 8, "name": "Lee Chen", "email": "lee.chen@example.org",
                               "waitlisted_at": T},
    "training_completed": {"leader_id": 7, "name": "Maria López", "email": LEADER["email"],
                           "module": "mentoring-basics", "module_title": "Mentoring peers",
                           "completed_at": T, "mentoring_ready": True},
    "training_reminder_due": {"leader_id": 7, "name": "Maria López", "email": LEADER["email"],
                              "missing_modules": [
                                  {"slug": "mentoring-peers", "title": "Mentoring peers", "minutes": 45},
                                  {"slug": "responding-to-requests",
                                   "title": "Responding to a request for assistance", "minutes": 30}],
                              "reminder_number": 1, "final": False,
                              "approved_at": (NOW - timedelta(days=7)).isoformat(),
                              "training_path": "/leader/training"},
    "mentorship_requested": {**REQUEST, "requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov",
                             "urgency": "normal", "requested_at": T, "confirm_path": "/mentorship/confirm/tok-123",
                             "confirm_expires_at": LATER, "status_path": "/mentorship/requests/41/status/tok-456"},
    "mentorship_confirmed": {**REQUEST, "requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov",
                             "urgency": "urgent", "confirmed_at": T},
    "mentorship_offered": {**REQUEST, "attempt": 1, "leader_id": 7, "leader_name": "Maria López",
                           "leader_email": LEADER["email"], "requester_name": "Dana Reyes",
                           "requester_agency": "Springfield PD", "urgency": "normal", "deadline": LATER,
                           "time_zone": "America/Chicago", "accept_path": "/mentorship/offers/9/accept?token=a1",
                           "decline_path": "/mentorship/offers/9/decline?token=d1", "requester_role": "Sergeant",
                           "requester_state": "OH", "description": "We had our first bias-motivated assault.",
                           "offered_at": T, "match_reasons": ["expertise: hate-crime investigation", "same region"]},
    "mentorship_offer_reminder_due": {**REQUEST, "attempt": 1, "leader_id": 7, "leader_name": "Maria López",
                                      "leader_email": LEADER["email"], "requester_name": "Dana Reyes",
                                      "requester_agency": "Springfield PD", "urgency": "urgent", "deadline": LATER,
                                      "time_zone": "America/Chicago", "accept_path": "/mentorship/offers/9/accept?token=a1",
                                      "decline_path": "/mentorship/offers/9/decline?token=d1", "offered_at": T},
    "mentorship_offer_expired": {**REQUEST, "attempt": 1, "leader_id": 7, "leader_name": "Maria López",
                                 "requester_state": "OH", "urgency": "normal", "offered_at": T, "deadline": LATER,
                                 "expired_at": LATER, "time_zone": "America/Chicago", "manager_emails": MANAGERS,
                                 "request_path": "/manage/mentorship/41"},
    "mentorship_rerouted": {**REQUEST, "reason": "declined", "from_leader_id": 7, "from_leader_name": "Maria López",
                            "to_leader_id": 8, "to_leader_name": "Tom Hale", "attempt": 2, "rerouted_at": T,
                            "requester_state": "OH", "urgency": "normal", "manager_emails": MANAGERS,
                            "request_path": "/manage/mentorship/41"},
    "mentorship_declined": {**REQUEST, "attempt": 1, "leader_id": 7, "leader_name": "Maria López",
                            "reason": "Away at training that week.", "declined_at": T, "manager_emails": MANAGERS,
                            "request_path": "/manage/mentorship/41"},
    "mentorship_accepted": {**REQUEST, "requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov",
                            "requester_agency": "Springfield PD", "leader_id": 7, "leader_name": "Maria López",
                            "leader_email": LEADER["email"], "leader_agency": "Chicago Police Department",
                            "leader_title": "Commander", "leader_phone": "+13125550100", "accepted_at": T,
                            "agreed_days": 30, "due_at": (NOW + timedelta(days=30)).isoformat(),
                            "time_zone": "America/Chicago"},
    "mentorship_completed": {**REQUEST, "requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov",
                             "leader_id": 7, "leader_name": "Maria López", "accepted_at": T, "completed_at": LATER,
                             "time_zone": "America/Chicago"},
    "mentorship_cancelled": {**REQUEST, "requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov",
                             "previous_state": "offered", "cancelled_at": T, "leader_id": 7,
                             "leader_name": "Maria López", "leader_email": LEADER["email"]},
    "mentorship_unanswered": {**REQUEST, "requester_name": "Dana Reyes", "requester_agency": "Springfield PD",
                              "requester_state": "OH", "region": "Great Lakes", "urgency": "urgent", "attempts": 3,
                              "confirmed_at": T, "detected_at": LATER, "manager_emails": MANAGERS,
                              "request_path": "/manage/mentorship/41"},
    "mentorship_closed": {**REQUEST, "requester_name": "Dana Reyes", "requester_email": "dana.reyes@springfield.gov",
                          "closed_at": T, "note": "No leader with this expertise is available this month."},
    "mentorship_overdue": {**REQUEST, "leader_id": 7, "leader_name": "Maria López", "leader_email": LEADER["email"],
                           "requester_name": "Dana Reyes", "accepted_at": T, "agreed_days": 30, "due_at": LATER,
                           "time_zone": "America/Chicago", "complete_path": "/leader/mentorship/41/complete"},
    "screening_submitted": {"screening": screening(0, "submitted"), "manager_emails": MANAGERS, "resubmission": False,
                            "review_path": f"/manage/screenings/{SCREENING_ID}/review", "submitted_at": T},
    "screening_approved": {"screening": screening(1), "approved_at": T, "manage_path": f"/manage/screenings/{SCREENING_ID}",
                           "invitation_method": "REQUEST", "invitation_ics": invitation("REQUEST", 1, "james.obrien@cookcounty.example.org")},
    "screening_scheduled": {"screening": screening(1), "scheduled_at": T, "manage_path": f"/manage/screenings/{SCREENING_ID}",
                            "invitation_method": "REQUEST", "invitation_ics": invitation("REQUEST", 1, "james.obrien@cookcounty.example.org")},
    "screening_sent_back": {"screening": screening(0, "sent_back"), "note": "Please add the venue's accessibility details.",
                            "sent_back_at": T, "manage_path": f"/manage/screenings/{SCREENING_ID}"},
    "screening_rescheduled": attendee(previous_when=when(START - timedelta(days=7)),
                                      message="The library asked us to move one week later.",
                                      rescheduled_at=T, invitation_method="REQUEST",
                                      invitation_ics=invitation("REQUEST", 3), screening=screening(3)),
    "screening_venue_changed": attendee(previous_venue="Chicago Cultural Center, 78 E Washington St, Chicago, IL",
                                        previous_online=False, message=None, changed_at=T,
                                        invitation_method="REQUEST", invitation_ics=invitation("REQUEST", 3),
                                        screening=screening(3)),
    "screening_cancelled": attendee(message="The venue flooded; we will announce a new date soon.", cancelled_at=T,
                                    invitation_method="CANCEL", invitation_ics=invitation("CANCEL", 4),
                                    screening=screening(4, "cancelled")),
    "attendees_messaged": attendee(subject="Parking at the library", sent_at=T,
                                   message="Use the lot behind the building; the front one is closed."),
    "rsvp_confirmed": attendee(confirmed_at=T, invitation_method="REQUEST", invitation_ics=invitation("REQUEST", 2)),
    "rsvp_waitlisted": attendee("waitlisted", position=3, waitlisted_at=T),
    "rsvp_repeated": attendee(status="confirmed", repeated_at=T),
    "rsvp_promoted": attendee(promoted_at=T, invitation_method="REQUEST", invitation_ics=invitation("REQUEST", 2)),
    "rsvp_cancelled": attendee(was_confirmed=True, cancelled_at=T, invitation_method="CANCEL",
                               invitation_ics=invitation("CANCEL", 2)),
    "screening_reminder_due": attendee(reminder="day_before", due_at=T),
    "screening_feedback_requested": attendee(screening=screening(2, "completed"), requested_at=T,
                                             feedback_path=f"/rsvps/{RSVP_ID}/feedback?token=tok3n-abc"),
    "screening_report_due": {"screening": screening(2, "completed"), "chaser": 1, "final": False,
                             "report_path": f"/manage/screenings/{SCREENING_ID}/report", "due_at": T},
    "screening_report_filed": {"screening": screening(2, "completed"), "manager_emails": MANAGERS,
                               "filed_by": {"name": "Maria López", "email": LEADER["email"]}, "head_count": 42,
                               "confirmed_rsvps": 35, "walk_ins": 7, "partners": ["Sikh Coalition"],
                               "audiences": ["community", "patrol_officers"],
                               "follow_up_actions": ["Roll-call training in August"], "notes": "A moving discussion.",
                               "filed_at": T},
    "materials_ordered": {"order_id": "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f", "screening": screening(2),
                          "ordered_by": {"name": "Maria López", "email": "maria.lopez@chicagopd.example.org"},
                          "items": [{"kind": "dvd", "title": "Waking in Oak Creek (DVD)", "quantity": 1},
                                    {"kind": "discussion_guide", "title": "Waking in Oak Creek: discussion guide",
                                     "quantity": 40}],
                          "ship_to": "Maria López\nChicago Police Department\n3510 S Michigan Ave\nChicago, IL 60653",
                          "note": "Please send before the 10th.", "amendment": False,
                          "late_warning": None, "manager_emails": MANAGERS, "queue_path": "/manage/materials",
                          "ordered_at": T},
    "materials_cancelled": {"order_id": "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f", "screening": screening(2, "cancelled"),
                            "ordered_by": {"name": "Maria López", "email": "maria.lopez@chicagopd.example.org"},
                            "items": [{"kind": "dvd", "title": "Waking in Oak Creek (DVD)", "quantity": 1}],
                            "ship_to": "Maria López\n3510 S Michigan Ave\nChicago, IL 60653",
                            "manager_emails": MANAGERS, "queue_path": "/manage/materials", "cancelled_at": T},
    "materials_sent": {"order_id": "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f", "screening": screening(2),
                       "ordered_by": {"name": "Maria López", "email": "maria.lopez@chicagopd.example.org"},
                       "items": [{"kind": "usb_drive", "quantity": 1,
                                  "title": "Stop Hate & Build Inclusion: Resources for Law Enforcement and "
                                           "Community Partners"}],
                       "ship_to": "Maria López\n3510 S Michigan Ave\nChicago, IL 60653",
                       "tracking_note": "UPS 1Z999AA10123456784", "manage_path": f"/manage/screenings/{SCREENING_ID}",
                       "sent_at": T},
    "urgent_request_offered": {**INCIDENT, "round": 1, "offered_at": T, "deadline": "2026-07-01T19:00:00+00:00",
                               "leaders": [OFFERED_LEADERS[0], OFFERED_LEADERS[1]], "offers_path": "/leader#urgent"},
    "urgent_request_taken": {**INCIDENT, "requester_name": "Sgt. Dana Reyes",
                             "requester_email": "dana.reyes@cincinnati-oh.example.gov",
                             "requester_phone": "(513) 555-0100", "leader_id": 31, "leader_name": "Olivia Hart",
                             "leader_email": "olivia.hart@covington.example.gov",
                             "leader_agency": "Covington Police Department", "leader_phone": "+18595550100",
                             "miles": 2.6, "taken_at": T, "withdrawn": [OFFERED_LEADERS[1]]},
    "urgent_request_waiting": {**INCIDENT, "rounds": 2, "detected_at": T},
}


def envelope(event_type: str, data: dict | None = None, *, event_id: str | None = None) -> dict:
    spec = contracts.spec(event_type)
    return {"event_id": event_id or str(uuid.uuid4()), "type": event_type, "version": spec.version,
            "occurred_at": NOW.isoformat(), "source": spec.producer,
            "data": data if data is not None else PAYLOADS[event_type]}


def event(event_type: str, data: dict | None = None, *, event_id: str | None = None) -> Event:
    return contracts.parse(envelope(event_type, data, event_id=event_id))
