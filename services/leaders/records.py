"""How leaders, applications, training progress, settings and regions are answered over
RPC: plain dicts, built from domain objects by the use cases and the views alike."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from . import regions
from .domain.applications import Application
from .domain.expertise import tag_labels
from .domain.leader import Leader
from .domain.program import ProgramSettings
from .domain.learning import Lesson
from .domain.training import (
    PASS_MARK_PERCENT,
    TRAINING_MODULES,
    CheckResult,
    TrainingModule,
    can_receive_mentorship_requests,
    missing_mentoring_modules,
)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def leader_record(leader: Leader, grouping: str, *, today: date, mentoring_ready: bool) -> dict[str, Any]:
    """A leader as the leader and program managers see it: contact details included."""
    region = regions.get_region(leader.region(grouping), grouping)
    return {
        "id": leader.id,
        "version": leader.version,
        "name": leader.name,
        "agency": leader.agency,
        "title": leader.title,
        "email": leader.email,
        "phone": leader.phone,
        "state": leader.state,
        "state_name": regions.STATES[leader.state],
        "region": region.id,
        "region_name": region.name,
        "region_grouping": grouping,
        "expertise": tag_labels(leader.expertise),
        "bio": leader.bio,
        "max_mentees": leader.max_mentees,
        "availability": "available" if leader.is_available(today) else "away",
        "away_until": leader.away_until.isoformat() if leader.away_until else None,
        "trusted_host": leader.trusted_host,
        "status": leader.status,
        "postal_code": leader.postal_code,
        "mentoring_ready": mentoring_ready,
    }


def application_record(application: Application) -> dict[str, Any]:
    return {
        "id": application.id,
        "name": application.name,
        "email": application.email,
        "phone": application.phone,
        "agency": application.agency,
        "title": application.title,
        "state": application.state,
        "state_name": regions.STATES[application.state],
        "postal_code": application.postal_code,
        "why": application.why,
        "experience": application.experience,
        "reference": {"name": application.reference.name, "contact": application.reference.contact},
        "status": application.status,
        "submitted_at": iso(application.submitted_at),
        "waitlisted_at": iso(application.waitlisted_at),
        "decided_at": iso(application.decided_at),
        "decided_by": application.decided_by,
        "decline_reason": application.decline_reason,
        "leader_id": application.leader_id,
    }


def training_record(leader_id: int, completed: Mapping[str, datetime]) -> dict[str, Any]:
    return {
        "leader_id": leader_id,
        "modules": [
            {"slug": m.slug, "title": m.title, "required_for_mentoring": m.required_for_mentoring,
             "completed_at": iso(completed.get(m.slug))}
            for m in TRAINING_MODULES
        ],
        "mentoring_ready": can_receive_mentorship_requests(completed),
        "missing_for_mentoring": list(missing_mentoring_modules(completed)),
    }


def check_record(result: CheckResult) -> dict[str, Any]:
    """How a knowledge check went: which questions to revisit, never the right answers."""
    return {"module": result.module, "passed": result.passed, "correct": result.correct, "total": result.total,
            "pass_mark_percent": PASS_MARK_PERCENT, "to_revisit": list(result.to_revisit),
            "unanswered": list(result.unanswered)}


def module_record(module: TrainingModule) -> dict[str, Any]:
    return {"slug": module.slug, "title": module.title, "description": module.description,
            "minutes": module.minutes, "required_for_mentoring": module.required_for_mentoring}


def lesson_record(module: TrainingModule, lesson: Lesson) -> dict[str, Any]:
    """A module with what it teaches and its knowledge check, without the answers."""
    return {
        **module_record(module),
        "objectives": list(lesson.objectives),
        "readings": [{"title": r.title, "publisher": r.publisher, "description": r.description}
                     for r in lesson.readings],
        "questions": [{"id": q.id, "prompt": q.prompt,
                       "options": [{"key": key, "text": text} for key, text in q.options]}
                      for q in lesson.questions],
        "pass_mark_percent": PASS_MARK_PERCENT,
    }


def settings_record(settings: ProgramSettings, *, active_leaders: int) -> dict[str, Any]:
    return {
        "region_grouping": settings.region_grouping,
        "region_groupings": dict(regions.GROUPINGS),
        "roster_target": settings.roster_target,
        "active_leaders": active_leaders,
    }


def regions_record(grouping: str, *, current_grouping: str, target_overrides: Mapping[str, int]) -> dict[str, Any]:
    """Every region of a grouping with its member states and coverage target."""
    targets = regions.coverage_targets(grouping, target_overrides)
    return {
        "grouping": grouping,
        "grouping_name": regions.GROUPINGS[grouping],
        "current": grouping == current_grouping,
        "regions": [
            {
                "id": region.id,
                "name": region.name,
                "coverage_target": targets[region.id],
                "states": [{"code": s, "name": regions.STATES[s]} for s in region.states],
            }
            for region in regions.regions(grouping)
        ],
    }
