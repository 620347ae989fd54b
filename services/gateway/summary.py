"""The managers' daily summary's items, gathered by the gateway (the only part of the
system that asks several services) when the mailer says the summary is due: new
applications (and older ones still waiting), mentorship requests no leader took, urgent
requests nobody is left for, and reports overdue. `sort_items` is plain Python;
`hand_over` makes the calls and gives the items to the mailer."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .http import call_service

# A screening's report counts as overdue a day after it ended (as on the managers' home).
REPORT_GRACE = timedelta(days=1)
MAX_ITEMS = 100
_MANAGERS = {"role": "manager"}


def sort_items(applications: list[dict], unassigned: list[dict], urgent: list[dict], overdue: list[dict], *,
               since: datetime) -> dict[str, list[dict[str, Any]]]:
    """The summary's sections: applications since `since` apart from older ones still
    waiting, and only the urgent requests waiting for a leader."""
    return {
        "urgent": [u for u in urgent if u["state"] == "waiting"],
        "applications": [a for a in applications if datetime.fromisoformat(a["submitted_at"]) >= since],
        "waiting_applications": [a for a in applications if datetime.fromisoformat(a["submitted_at"]) < since],
        "unassigned": unassigned,
        "overdue_reports": overdue,
    }


def hand_over(gateway, day: str, since: datetime, now: datetime) -> dict:
    """Gather what needs the managers and hand it to the mailer, which mails the day's
    summary once however often this runs."""
    applications = call_service(gateway, "leaders", "list_applications", status="pending", limit=MAX_ITEMS)
    unassigned = call_service(gateway, "leaders", "list_requests", state="open", limit=MAX_ITEMS)
    urgent = call_service(gateway, "leaders", "list_urgent_requests", open_only=True, limit=MAX_ITEMS)
    overdue = call_service(gateway, "screenings", "search_screenings",
                           {"report_missing": True, "ends_before": (now - REPORT_GRACE).isoformat(),
                            "page_size": MAX_ITEMS}, actor=_MANAGERS)
    items = sort_items(applications["applications"], unassigned["requests"], urgent, overdue["items"], since=since)
    return call_service(gateway, "mailer", "send_managers_summary", day=day, items=items)
