"""The managers' daily summary: scheduled once a day at the local hour, one mail per
manager listing what needs them (read strictly), nothing on a quiet day, never twice."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

import sqlalchemy as sa

from services.contracts import rpc as rpc_contracts
from services.mailer.app import daily_summary
from services.mailer.models import Message

from .fakes import FakeUnitOfWork

# Monday 6 July 2026, 12:00 UTC = 08:00 in New York: the day's summary is past.
MONDAY_NOON = datetime(2026, 7, 6, 12, tzinfo=timezone.utc)
TUESDAY_7AM = datetime(2026, 7, 7, 11, tzinfo=timezone.utc)  # 07:00 EDT

APPLICATION = {"id": 4, "name": "Jordan Avery", "email": "jordan.avery@salem.example.gov", "phone": None,
               "agency": "Salem Police Department", "title": "Sergeant", "state": "OR", "state_name": "Oregon",
               "why": "To host screenings.", "experience": "Ten years.",
               "reference": {"name": "Chief Dana Ruiz", "contact": "503-555-0100"}, "status": "pending",
               "submitted_at": "2026-07-06T20:00:00+00:00", "waitlisted_at": None, "decided_at": None,
               "decided_by": None, "decline_reason": None, "leader_id": None}
REQUEST = {"id": 17, "state": "open", "topic": "school-safety", "topic_label": "school safety", "urgency": "urgent",
           "requester_name": "Sam Ortiz", "agency": "Eugene Police", "requester_state": "OR",
           "region": "Region 10 (Seattle)", "leader": None, "created_at": "2026-07-05T10:00:00+00:00",
           "confirmed_at": "2026-07-05T10:05:00+00:00", "accepted_at": None, "due_at": None, "overdue": False}


class Services:
    """Answers as the leaders and screenings services give them, checked against their
    contracts as the mailer's own calls are; `quiet` answers with nothing."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.calls = []

    def __call__(self, service, method, *args, **kwargs):
        rpc_contracts.bind(service, method, args, kwargs, check_types=True)
        self.calls.append((service, method))
        answers = {
            "list_applications": {"total": 2, "page": 1, "limit": 100,
                                  "applications": [APPLICATION, dict(APPLICATION, id=3, name="Old Applicant",
                                                                     submitted_at="2026-06-30T09:00:00+00:00")]},
            "list_requests": {"total": 1, "page": 1, "limit": 100, "grouping": "federal", "requests": [REQUEST]},
            "list_urgent_requests": [],
            "search_screenings": {"items": [], "total": 0, "page": 1, "page_size": 100},
        }
        answer = answers[method]
        if self.quiet:
            answer = [] if isinstance(answer, list) else {
                **answer, **{k: [] for k in ("applications", "requests", "items") if k in answer}, "total": 0}
        rpc_contracts.check_response(service, method, answer)
        return answer


def test_the_summary_is_scheduled_once_a_day_at_the_local_hour(settings):
    uow = FakeUnitOfWork()
    assert daily_summary.ensure_summary_scheduled(uow, MONDAY_NOON, settings) is True
    assert daily_summary.ensure_summary_scheduled(uow, MONDAY_NOON, settings) is False
    assert uow.jobs == [{"kind": "managers_daily_summary", "key": "2026-07-07", "due_at": TUESDAY_7AM,
                         "payload": {"day": "2026-07-07", "since": "2026-07-06T11:00:00+00:00"}, "done": False}]
    # Before the hour, today's is next.
    early = datetime(2026, 7, 6, 10, tzinfo=timezone.utc)  # 06:00 EDT
    assert daily_summary.next_summary_at(early, settings) == datetime(2026, 7, 6, 11, tzinfo=timezone.utc)
    # In winter the same local hour is an hour later in UTC.
    assert daily_summary.next_summary_at(datetime(2026, 12, 1, 15, tzinfo=timezone.utc), settings) == \
        datetime(2026, 12, 2, 12, tzinfo=timezone.utc)


def summary_mails(db, settings, services, payload) -> list:
    with db.unit_of_work() as uow:
        queued = daily_summary.send_daily_summary(uow, payload, TUESDAY_7AM, settings, services)
    with db.transaction() as session:
        rows = session.execute(sa.select(Message).where(Message.template == "managers_daily_summary")).scalars()
        return queued, [email.message_from_bytes(row.mime, policy=email.policy.strict) for row in rows]


PAYLOAD = {"day": "2026-07-07", "since": "2026-07-06T11:00:00+00:00"}


def test_one_mail_per_manager_lists_what_needs_them(db, settings):
    services = Services()
    queued, mails = summary_mails(db, settings, services, PAYLOAD)
    assert queued == len(settings.manager_emails) == len(mails)
    assert {("leaders", "list_applications"), ("leaders", "list_requests"), ("leaders", "list_urgent_requests"),
            ("screenings", "search_screenings")} == set(services.calls)
    mail = mails[0]
    assert all(part.defects == [] for part in mail.walk())
    assert str(mail["Subject"]) == ("What needs you today: 1 new application, 1 request without a leader")
    assert mail["List-Unsubscribe"]  # a digest: one-click unsubscribe
    text = mail.get_body(("plain",)).get_content()
    assert "Jordan Avery, Sergeant, Salem Police Department (OR)" in text
    assert "Old Applicant" not in text and "1 older application still waiting" in text
    assert "#17 school safety: Sam Ortiz, Eugene Police (OR), URGENT" in text
    assert "REPORTS OVERDUE" not in text


def test_the_same_day_is_never_sent_twice(db, settings):
    summary_mails(db, settings, Services(), PAYLOAD)
    queued, mails = summary_mails(db, settings, Services(), PAYLOAD)  # the job ran again after a crash
    assert queued == 0 and len(mails) == len(settings.manager_emails)


def test_nothing_is_sent_on_a_quiet_day_and_tomorrow_is_scheduled(db, settings):
    queued, mails = summary_mails(db, settings, Services(quiet=True), PAYLOAD)
    assert (queued, mails) == (0, [])
    with db.unit_of_work() as uow:
        assert uow.timer_jobs.pending("managers_daily_summary")
