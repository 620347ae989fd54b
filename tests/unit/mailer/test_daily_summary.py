"""The managers' daily summary: scheduled once a day at the local hour, one mail per
manager listing what needs them (read strictly), nothing on a quiet day, never twice."""
from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

import sqlalchemy as sa

from services.contracts import rpc as rpc_contracts
from services.contracts.mailer import ManagersSummaryDue
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


def summary_mails(db, settings, items, day="2026-07-07") -> tuple[int, list]:
    with db.unit_of_work() as uow:
        queued = daily_summary.send_daily_summary(uow, day, items, TUESDAY_7AM, settings)
    with db.transaction() as session:
        rows = session.execute(sa.select(Message).where(Message.template == "managers_daily_summary")).scalars()
        return queued, [email.message_from_bytes(row.mime, policy=email.policy.strict) for row in rows]


OLDER = dict(APPLICATION, id=3, name="Old Applicant", submitted_at="2026-06-30T09:00:00+00:00")
ITEMS = {"urgent": [], "applications": [APPLICATION], "waiting_applications": [OLDER], "unassigned": [REQUEST],
         "overdue_reports": []}
QUIET = {"urgent": [], "applications": [], "waiting_applications": [APPLICATION], "unassigned": [],
         "overdue_reports": []}


def test_the_job_says_the_summary_is_due_and_schedules_tomorrow(settings):
    uow = FakeUnitOfWork()
    daily_summary.summary_due(uow, {"day": "2026-07-07", "since": "2026-07-06T11:00:00+00:00"}, TUESDAY_7AM, settings)
    [due] = uow.published
    assert isinstance(due, ManagersSummaryDue) and due.day == "2026-07-07"
    assert due.since == datetime(2026, 7, 6, 11, tzinfo=timezone.utc)
    assert [job["key"] for job in uow.jobs] == ["2026-07-08"]


def test_one_mail_per_manager_lists_what_needs_them(db, settings):
    rpc_contracts.bind("mailer", "send_managers_summary", (), {"day": "2026-07-07", "items": ITEMS}, check_types=True)
    queued, mails = summary_mails(db, settings, ITEMS)
    assert queued == len(settings.manager_emails) == len(mails)
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
    summary_mails(db, settings, ITEMS)
    queued, mails = summary_mails(db, settings, ITEMS)  # handed over again (a redelivered event)
    assert queued == 0 and len(mails) == len(settings.manager_emails)


def test_nothing_is_sent_on_a_quiet_day(db, settings):
    # Older applications still waiting were in yesterday's summary: alone they are no news.
    assert summary_mails(db, settings, QUIET) == (0, [])
