"""The managers' daily summary: once a day at a local hour, one mail to the program
managers with what needs them (new applications, mentorship requests no leader took,
urgent requests nobody is left for, reports overdue) instead of a mail per item.

A timer job per local day (claimed, so two mailer instances send it once). The items
are read when the job runs, over contract-checked RPC from the services that own them
(`ask(service, method, *args, **kwargs)`, given by the service class), so the summary
says how things stand, not what happened to be announced. Nothing is sent on a day with
nothing to report. If a service does not answer, the job fails and the timer tries
again later; the dedupe key (the day) keeps a retry from sending twice."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from ..delivery import MailKind
from ..messages import DERIVED_EVENT_NAMESPACE
from ..notifications import Notification
from ..settings import MailerSettings
from .queueing import store

SUMMARY_JOB = "managers_daily_summary"
# A screening's report counts as overdue a day after it ended (as on the managers' home).
REPORT_GRACE = timedelta(days=1)
MAX_ITEMS = 100
MANAGER = {"role": "manager"}

Ask = Callable[..., Any]


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


def gather(ask: Ask, *, since: datetime, now: datetime) -> dict[str, list[dict[str, Any]]]:
    """What needs the managers, by section, from the services that own it."""
    applications = ask("leaders", "list_applications", status="pending", limit=MAX_ITEMS)["applications"]
    unassigned = ask("leaders", "list_requests", state="open", limit=MAX_ITEMS)["requests"]
    urgent = [dict(u, filed_at=datetime.fromisoformat(u["filed_at"]))
              for u in ask("leaders", "list_urgent_requests", open_only=True, limit=MAX_ITEMS)
              if u["state"] == "waiting"]
    overdue = ask("screenings", "search_screenings",
                  {"report_missing": True, "ends_before": (now - REPORT_GRACE).isoformat(), "page_size": MAX_ITEMS},
                  actor=MANAGER)["items"]
    return {
        "urgent": urgent,
        "applications": [a for a in applications if datetime.fromisoformat(a["submitted_at"]) >= since],
        "waiting_applications": [a for a in applications if datetime.fromisoformat(a["submitted_at"]) < since],
        "unassigned": unassigned,
        "overdue_reports": overdue,
    }


def send_daily_summary(uow, payload: dict[str, Any], now: datetime, settings: MailerSettings, ask: Ask) -> int:
    """The timer job: queue the day's summary to every program manager (none when nothing
    needs them), then schedule tomorrow's."""
    since = datetime.fromisoformat(payload["since"])
    items = gather(ask, since=since, now=now)
    queued = 0
    counts = {name: len(found) for name, found in items.items()}
    if any(counts[name] for name in ("urgent", "applications", "unassigned", "overdue_reports")):
        context = {**items, "counts": counts, "line": summary_line(counts), "day": payload["day"],
                   "base_url": settings.base_url.rstrip("/")}
        event_id = str(uuid.uuid5(DERIVED_EVENT_NAMESPACE, f"{SUMMARY_JOB}:{payload['day']}"))
        subject = "What needs you today: {{ line }}"
        for address in settings.manager_emails:
            note = Notification("managers_daily_summary", subject, address, context, to_name="Program managers",
                                kind=MailKind.DIGEST)
            queued += store(uow, note, event_id, SUMMARY_JOB, settings, now)
    ensure_summary_scheduled(uow, now, settings)
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
