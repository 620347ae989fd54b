"""Joining the network: a public application, and the program manager's decision on it.
Who decides (`actor`) is recorded with the decision as `decided_by`."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from services.contracts.leaders import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationRepeated,
    ApplicationSubmitted,
    ApplicationWaitlisted,
)
from services.runtime.errors import Conflict, Forbidden, NotFound

from .. import records
from ..domain import applications as rules
from ..domain.applications import Application
from ..domain.leader import EmailInUse, leader_snapshot
from ..schemas import ApplicationDecision, mapping, validated
from .training import plan_training_reminder


def submit_application(uow, data: Any, *, now: datetime) -> dict[str, Any]:
    """A public application to join the network. An address with an application under
    review or a place on the roster gets no second one; after a decline one may apply
    again. Either way the answer is the same receipt, so it tells nobody who is a leader:
    a repeat is mailed to the address's owner instead (`application_repeated`)."""
    application = rules.submit_application(mapping(data, "application"), now=now)
    standing = ("on_roster" if uow.leaders.email_taken(application.email)
                else "under_review" if uow.applications.has_open(application.email) else None)
    if standing is not None:
        uow.publish(ApplicationRepeated(email=application.email, standing=standing, repeated_at=now))
        return {"application": None}
    application = uow.applications.add(application, now)
    uow.publish(ApplicationSubmitted(
        application_id=application.id, name=application.name, email=application.email,
        agency=application.agency, title=application.title, state=application.state, submitted_at=now,
    ))
    return {"application": records.application_record(application)}


def approve_application(
    uow, application_id: Any, *, confirm_over_target: Any = False, actor: Any = None, now: datetime,
) -> dict[str, Any]:
    """Approve: the applicant becomes an active leader, announced by one application_approved."""
    decision = validated(ApplicationDecision, application_id=application_id,
                         confirm_over_target=confirm_over_target, actor=actor)
    decided_by = _decided_by(decision)
    # Locked (PostgreSQL) / serialised (SQLite's BEGIN IMMEDIATE): two managers approving
    # at once see each other's decision, so only one leader and one event come out.
    application = _load(uow, decision.application_id)
    uow.applications.lock_approvals()
    settings = uow.program.get()
    approved = rules.approve(
        application, active_leaders=uow.leaders.active_count(), now=now, roster_target=settings.roster_target,
        confirm_over_target=decision.confirm_over_target, decided_by=decided_by,
    )
    on_roster = f"a leader with {approved.email} is already on the roster"
    if uow.leaders.email_taken(approved.email):
        raise Conflict(on_roster, field="email")
    try:
        leader = uow.leaders.add(rules.leader_from_application(approved), now)
    except EmailInUse:
        raise Conflict(on_roster, field="email") from None
    approved = replace(approved, leader_id=leader.id)
    uow.applications.save(approved, now)
    plan_training_reminder(uow, leader, {})
    uow.publish(ApplicationApproved(
        **leader_snapshot(leader, settings.region_grouping), application_id=approved.id, approved_at=now,
    ))
    return {"application": records.application_record(approved),
            "leader": records.leader_record(leader, settings.region_grouping, today=now.date(),
                                            mentoring_ready=False)}


def decline_application(
    uow, application_id: Any, *, reason: Any = None, actor: Any = None, now: datetime,
) -> dict[str, Any]:
    decision = validated(ApplicationDecision, application_id=application_id, actor=actor)
    decided_by = _decided_by(decision)
    application = _load(uow, decision.application_id)
    declined = rules.decline(application, now=now, reason=reason, decided_by=decided_by)
    uow.applications.save(declined, now)
    uow.publish(ApplicationDeclined(
        application_id=declined.id, name=declined.name, email=declined.email,
        reason=declined.decline_reason, declined_at=now,
    ))
    return records.application_record(declined)


def waitlist_application(uow, application_id: Any, *, actor: Any = None, now: datetime) -> dict[str, Any]:
    decision = validated(ApplicationDecision, application_id=application_id, actor=actor)
    decided_by = _decided_by(decision)
    application = _load(uow, decision.application_id)
    waitlisted = rules.waitlist(application, now=now, decided_by=decided_by)
    uow.applications.save(waitlisted, now)
    uow.publish(ApplicationWaitlisted(
        application_id=waitlisted.id, name=waitlisted.name, email=waitlisted.email, waitlisted_at=now,
    ))
    return records.application_record(waitlisted)


def _decided_by(decision: ApplicationDecision) -> str | None:
    if decision.actor is not None and not decision.actor.manager:
        raise Forbidden("only a program manager decides on applications", field="actor")
    return decision.decided_by


def _load(uow, application_id: int) -> Application:
    """The application, locked until the decision on it is saved."""
    application = uow.applications.get(application_id, for_update=True)
    if application is None:
        raise NotFound(f"no application with id {application_id}", field="application_id")
    return application
