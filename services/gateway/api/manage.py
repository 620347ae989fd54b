"""The program manager's queues: how many of each kind of work wait, for the workspace's
home page and for clients that watch them."""
from __future__ import annotations

from datetime import timedelta

from services.gateway.http import Call
from services.gateway.routing import MANAGER

from . import mail
from .common import actor
from .table import ROUTES

route = ROUTES.route
TAG = "Operations"
# A report is overdue once the first chaser has gone out: a day after the event ended.
REPORT_GRACE = timedelta(days=1)
# The delivery log answers lists, not counts; past this many failed messages the home page says "500 or more".
FAILED_DELIVERY_LIMIT = 500

QUEUES_SCHEMA = {"type": "object", "properties": {
    name: {"type": "integer"} for name in (
        "applications", "screenings_awaiting_approval", "requests_without_leader", "overdue_reports",
        "dead_letters", "failed_deliveries", "materials_to_send")}}


def overdue_report_filters(call: Call) -> dict:
    return {"report_missing": True, "ends_before": (call.now - REPORT_GRACE).isoformat()}


def queues(call: Call) -> dict[str, int]:
    """The count of each queue a program manager works through."""
    def screenings_total(**filters) -> int:
        return call.rpc("screenings", "search_screenings", {**filters, "page_size": 1}, actor=actor(call))["total"]

    return {
        "applications": call.rpc("leaders", "list_applications", status="pending", limit=1)["total"],
        "screenings_awaiting_approval": screenings_total(status="submitted") + screenings_total(status="resubmitted"),
        "requests_without_leader": call.rpc("leaders", "list_requests", state="open", limit=1)["total"],
        "overdue_reports": screenings_total(**overdue_report_filters(call)),
        "dead_letters": len(mail.dead_letters()),
        "failed_deliveries": len(call.rpc("mailer", "search_deliveries", state="failed",
                                          limit=FAILED_DELIVERY_LIMIT)),
        "materials_to_send": call.rpc("screenings", "list_material_orders", actor(call), state="open",
                                      limit=1)["total"],
    }


@route("GET", "/api/manage/queues", access=MANAGER, tag=TAG, response=QUEUES_SCHEMA,
       summary="How much work waits in each of the program manager's queues")
def get_queues(call: Call):
    return queues(call)
