"""Distance learning across the network for program managers: per region, how many active
leaders passed each module, every module, and the modules mentoring needs."""
from __future__ import annotations

from services.gateway.api import leaders as leaders_api
from services.gateway.api.table import ROUTES
from services.gateway.http import Call
from services.gateway.routing import MANAGER

from .render import HTML, TAG, page

route = ROUTES.route


@route("GET", "/manage/training", access=MANAGER, tag=TAG, content_type=HTML, query=leaders_api.GroupingQuery,
       summary="Page: distance-learning progress per region (modules passed by active leaders)")
def training_progress_page(call: Call):
    progress = call.rpc("leaders", "training_progress", call.query.grouping)
    return page(call, "manage_training.html", title="Training progress", progress=progress)
