"""The program manager's home: every queue with how much waits in it."""
from __future__ import annotations

from services.gateway.api import manage as manage_api
from services.gateway.api.table import ROUTES
from services.gateway.http import Call
from services.gateway.routing import MANAGER

from .render import HTML, TAG, page

route = ROUTES.route


def queue_rows(counts: dict[str, int]) -> list[tuple[str, str, str, str]]:
    """(link, count as shown, what waits, what to do) for each queue, in the order a manager works them."""
    failed = counts["failed_deliveries"]
    failed_shown = f"{failed} or more" if failed >= manage_api.FAILED_DELIVERY_LIMIT else str(failed)
    return [
        ("/manage/applications", str(counts["applications"]), "Applications", "to approve, waitlist or decline"),
        ("/manage/screenings", str(counts["screenings_awaiting_approval"]), "Screenings awaiting approval",
         "to approve or send back"),
        ("/manage/mentorship?state=open", str(counts["requests_without_leader"]), "Mentorship requests with no leader",
         "to offer to a leader"),
        ("/manage/materials", str(counts["materials_to_send"]), "Materials to send",
         "screening kits hosts ordered; mark each sent"),
        ("/manage/screenings?report=overdue", str(counts["overdue_reports"]), "Overdue reports",
         "held events whose host has not reported"),
        ("/manage/dead-letters", str(counts["dead_letters"]), "Dead letters", "events that failed; replay them"),
        ("/manage/deliveries?state=failed", failed_shown, "Failed deliveries", "mail that did not go out; resend"),
    ]


@route("GET", "/manage", access=MANAGER, tag=TAG, content_type=HTML,
       summary="Page: the program manager's home: urgent requests still without a leader at the top, then the "
               "queues and their counts")
def manage_home(call: Call):
    urgent = call.rpc("leaders", "list_urgent_requests", open_only=True, limit=20)
    return page(call, "manage_home.html", title="Program management", urgent=urgent,
                queues=queue_rows(manage_api.queues(call)))
