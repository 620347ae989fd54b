"""Distance learning: knowledge checks whose pass completes a module, and the training reminders to leaders who have not
finished the mentoring modules (when: domain.training.next_training_reminder_at).

Only leaders who joined through an approved application are reminded: a roster imported
from CSV brings leaders whose training the program already knows about.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.contracts.leaders import TrainingCompleted, TrainingModuleDue, TrainingReminderDue

from .. import records
from ..domain import training as rules
from ..domain.leader import Leader
from .common import load_leader

# Paths this service puts in its own (non-mentorship) events; the gateway serves them and
# the mailer prefixes PUBLIC_BASE_URL. The training page needs the signed-in leader.
LEADER_PATHS = {
    "training": "/leader/training",
}

# Timer job kind (uow.schedule) for training reminders; the key is the leader id.
TRAINING_REMINDER = "training_reminder"


def submit_answers(uow, leader_id: Any, module: Any, answers: Any, *, now: datetime) -> dict[str, Any]:
    """Score a leader's answers to a module's knowledge check; a pass completes the module.

    A failed check records nothing (the leader may try again at once). Passing a module
    already completed changes nothing and publishes nothing: the first pass time stays.
    """
    chosen = rules.training_module(module)
    result = rules.grade(chosen.slug, answers)
    leader = load_leader(uow, leader_id, for_update=True)
    completed = uow.training.completions(leader.id)
    is_new = False
    if result.passed:
        completed, is_new = rules.record_completion(completed, chosen.slug, now=now)
    if is_new:
        uow.training.add_completion(leader.id, chosen.slug, now)
        uow.publish(TrainingCompleted(
            leader_id=leader.id, name=leader.name, email=leader.email, module=chosen.slug,
            module_title=chosen.title, completed_at=now,
            mentoring_ready=rules.can_receive_mentorship_requests(completed),
        ))
        plan_training_reminder(uow, leader, completed)
    return {**records.training_record(leader.id, completed), **records.check_record(result),
            "newly_completed": is_new}


@dataclass(frozen=True)
class _ReminderHistory:
    approved_at: datetime
    sent: int
    last_sent_at: datetime | None


def _reminder_history(uow, leader_id: int) -> _ReminderHistory | None:
    approved_at = uow.applications.approved_at(leader_id)
    if approved_at is None:
        return None
    sent, last_sent_at = uow.training.reminders_sent(leader_id)
    return _ReminderHistory(approved_at, sent, last_sent_at)


def _next_reminder_at(leader: Leader, history: _ReminderHistory | None,
                      completed: Iterable[str]) -> datetime | None:
    if history is None:
        return None
    return rules.next_training_reminder_at(
        approved_at=history.approved_at, reminders_sent=history.sent, completed_slugs=completed,
        active=leader.status == "active", last_sent_at=history.last_sent_at,
    )


def plan_training_reminder(uow, leader: Leader, completed: Iterable[str]) -> datetime | None:
    """Schedule the leader's next training reminder, or drop it when none is due any more."""
    due = _next_reminder_at(leader, _reminder_history(uow, leader.id), completed)
    if due is None:
        uow.cancel_job(TRAINING_REMINDER, str(leader.id))
    else:
        uow.schedule(TRAINING_REMINDER, str(leader.id), due, {"leader_id": leader.id})
    return due


def send_training_reminder(uow, leader_id: int, *, now: datetime) -> bool:
    """Publish the reminder due now, re-checked under the leader's lock: a leader who
    finished the modules or left active service since it was scheduled gets nothing.
    Returns whether a reminder was published."""
    leader = uow.leaders.get(leader_id, for_update=True)
    if leader is None:
        return False
    completed = uow.training.completions(leader.id)
    history = _reminder_history(uow, leader.id)
    due = _next_reminder_at(leader, history, completed)
    if due is None or due > now:
        plan_training_reminder(uow, leader, completed)
        return False
    number = history.sent + 1
    missing = [rules.TRAINING_MODULES_BY_SLUG[slug] for slug in rules.missing_mentoring_modules(completed)]
    uow.training.add_reminder(leader.id, number, now, [m.slug for m in missing])
    uow.publish(TrainingReminderDue(
        leader_id=leader.id, name=leader.name, email=leader.email,
        missing_modules=tuple(TrainingModuleDue(slug=m.slug, title=m.title, minutes=m.minutes) for m in missing),
        reminder_number=number, final=rules.is_last_training_reminder(number),
        approved_at=history.approved_at, training_path=LEADER_PATHS["training"],
    ))
    plan_training_reminder(uow, leader, completed)
    return True


def _remind(uow, payload: dict[str, Any], now: datetime) -> None:
    send_training_reminder(uow, payload["leader_id"], now=now)


def timer_handlers() -> dict[str, Callable[[Any, dict[str, Any], datetime], None]]:
    """Handlers for services.runtime.timers.run_due, each given the job's unit of work."""
    return {TRAINING_REMINDER: _remind}
