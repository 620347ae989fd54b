"""Rapid response mail (urgent requests after a hate incident): which mail each event
causes. Plain Python with no I/O, registered in `notifications.NOTIFIERS` like the rest;
the requester's contact reaches only the leader who took the request."""
from __future__ import annotations

from .notifications import Notification, _to_managers, notifies


def _urgent_context(data, ctx, **more) -> dict:
    return {"d": data, "manage_url": ctx.link(data.manage_path), **more}


@notifies("urgent_request_offered")
def _urgent_request_offered(data, ctx):
    context = _urgent_context(data, ctx, offers_url=ctx.link(data.offers_path))
    found = [Notification("urgent_request_offered", "Urgent request near {{ d.place }}: can you help?",
                          leader.leader_email, {**context, "leader": leader}, to_name=leader.leader_name)
             for leader in data.leaders]
    subject = ("{% if d.round == 1 %}New urgent request{% else %}Nobody took urgent request #{{ d.request_id }} "
               "in time; offered to the next leaders{% endif %}: {{ d.place }}")
    return found + _to_managers(ctx, "urgent_request_managers", subject, context, data.manager_emails)


@notifies("urgent_request_taken")
def _urgent_request_taken(data, ctx):
    context = _urgent_context(data, ctx)
    found = [
        Notification("urgent_request_taken_requester", "{{ d.leader_name }} is taking your urgent request",
                     data.requester_email, context, to_name=data.requester_name),
        Notification("urgent_request_taken_leader", "You took the urgent request near {{ d.place }}: contact details",
                     data.leader_email, context, to_name=data.leader_name),
    ]
    found += [Notification("urgent_request_withdrawn", "Urgent request near {{ d.place }}: another leader took it",
                           other.leader_email, {**context, "leader": other}, to_name=other.leader_name)
              for other in data.withdrawn]
    return found + _to_managers(ctx, "urgent_request_managers",
                                "Urgent request #{{ d.request_id }} taken by {{ d.leader_name }}: {{ d.place }}",
                                {**context, "taken": True}, data.manager_emails)


@notifies("urgent_request_waiting")
def _urgent_request_waiting(data, ctx):
    return _to_managers(ctx, "urgent_request_managers",
                        "Urgent: no leader left for urgent request #{{ d.request_id }} ({{ d.place }})",
                        _urgent_context(data, ctx, waiting=True), data.manager_emails)
