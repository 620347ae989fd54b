"""The managers' daily summary: once a day at a local hour, one mail to the program
managers with what needs them (new applications, mentorship requests no leader took,
urgent requests nobody is left for, reports overdue) instead of a mail per item.

A timer job per local day (claimed, so two mailer instances run it once) says the
summary is due (`managers_summary_due`). The gateway, which alone asks several
services, gathers the items when it gets that event (services.gateway.summary), so the
summary says how things stand, not what happened to be announced, and hands them back
with `send_managers_summary`. Nothing is sent on a day with nothing to report; the dedupe
key (the day) keeps a second hand-over from sending twice."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from services.contracts.mailer import ManagersSummaryDue

from ..delivery import MailKind
from ..messages import DERIVED_EVENT_NAMESPACE
from ..notifications import Notification
from ..settings import MailerSettings
from .queueing import store

SUMMARY_JOB = "managers_daily_summary"
SECTIONS = ("urgent", "applications", "waiting_applications", "unassigned", "overdue_reports")
# The sections that make a day worth a mail; older applications still waiting only come along.
NEWS = ("urgent", "applications", "unassigned", "overdue_reports")


def next_summary_at(now: datetime, settings: MailerSettings) -> datetime:
    """The next summary_hour on the program's local clock, strictly after `now`."""
    zone = ZoneInfo(settings.digest_time_zone)
    local = now.astimezone(zone)
    day = local.date() if local.hour < settings.summary_hour else local.date() + timedelta(days=1)
    # Built from the wall time, so a clock change in between keeps the hour local.
    return datetime(day.year, day.month, day.day, settings.summary_hour, tzinfo=zone).astimezone(timezone.utc)


def ensure_summary_scheduled(uow, now: datetime, settings: MailerSettings) -> bool:
    """Schedule the next daily summary unless one is pending. Returns True when this call did."""
    if uow.timer_jobs.pending(SUMMARY_JOB):
        return False
    due = next_summary_at(now, settings)
    key = due.astimezone(ZoneInfo(settings.digest_time_zone)).date().isoformat()
    if uow.timer_jobs.exists(SUMMARY_JOB, key):
        return False
    uow.schedule(SUMMARY_JOB, key, due, {"day": key, "since": (due - timedelta(days=1)).isoformat()})
    return True


def summary_due(uow, payload: dict[str, Any], now: datetime, settings: MailerSettings) -> None:
    """The timer job: say the day's summary is due, then schedule tomorrow's."""
    uow.publish(ManagersSummaryDue(day=payload["day"], since=datetime.fromisoformat(payload["since"])))
    ensure_summary_scheduled(uow, now, settings)


def send_daily_summary(uow, day: str, items: dict[str, list[dict[str, Any]]], now: datetime,
                       settings: MailerSettings) -> int:
    """Queue the day's summary to every program manager (none when nothing needs them,
    none again for a day already mailed). Returns how many were queued."""
    items = {name: list(items.get(name) or ()) for name in SECTIONS}
    counts = {name: len(found) for name, found in items.items()}
    if not any(counts[name] for name in NEWS):
        return 0
    items["urgent"] = [dict(u, filed_at=datetime.fromisoformat(u["filed_at"])) for u in items["urgent"]]
    context = {**items, "counts": counts, "line": summary_line(counts), "day": day,
               "base_url": settings.base_url.rstrip("/")}
    event_id = str(uuid.uuid5(DERIVED_EVENT_NAMESPACE, f"{SUMMARY_JOB}:{day}"))
    queued = 0
    for address in settings.manager_emails:
        note = Notification("managers_daily_summary", "What needs you today: {{ line }}", address, context,
                            to_name="Program managers", kind=MailKind.DIGEST)
        queued += store(uow, note, event_id, SUMMARY_JOB, settings, now)
    return queued


def summary_line(counts: dict[str, int]) -> str:
    """'1 urgent request, 3 new applications, 2 requests without a leader, 4 reports overdue'."""
    parts = []
    for name, one, many in (("urgent", "urgent request with no leader", "urgent requests with no leader"),
                            ("applications", "new application", "new applications"),
                            ("unassigned", "request without a leader", "requests without a leader"),
                            ("overdue_reports", "report overdue", "reports overdue")):
        if counts.get(name):
            parts.append(f"{counts[name]} {one if counts[name] == 1 else many}")
    return ", ".join(parts)
