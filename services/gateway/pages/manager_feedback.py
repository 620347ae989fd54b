"""The program manager's feedback page: attendees' ratings of the events that started in
the last so many days, over all, per region and per film, with the latest comments."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway.api.partners import summary
from services.gateway.api.table import ROUTES
from services.gateway.http import Call
from services.gateway.routing import MANAGER

from . import listing
from .render import HTML, TAG, page

route = ROUTES.route
Choice = Annotated[str, StringConstraints(max_length=80)]
PERIODS = [("30", "The last 30 days"), ("90", "The last 90 days"), ("365", "The last year")]
LABELS = {"days": "Period", "region": "Region"}


class FeedbackPageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: Choice | None = None
    region: Choice | None = None


@route("GET", "/manage/feedback", access=MANAGER, tag=TAG, content_type=HTML, query=FeedbackPageQuery,
       summary="Page: attendees' ratings per region and per film, with the latest comments")
def manage_feedback_page(call: Call):
    regions = call.rpc("leaders", "regions")["regions"]
    choices = {"days": PERIODS, "region": [(r["id"], r["name"]) for r in regions]}
    form = listing.checked(call, LABELS, choices)
    report = None
    if not form.errors:
        report = summary(call, int(form.values.get("days") or 90), form.values.get("region") or None)
        names = {r["id"]: r["name"] for r in regions}
        for row in report["by_region"]:
            row["label"] = names.get(row["key"], row["label"])
    return page(call, "manage_feedback.html", status=422 if form.errors else 200, title="Attendees' feedback",
                form=form, choices=choices, report=report)
