"""Distance learning: the modules, their knowledge checks and how they are scored, what a
leader has completed, and the reminders to leaders who have not finished the modules that
mentoring needs. A module counts as completed when its knowledge check is passed."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.runtime.errors import ValidationFailed

from .fields import require_aware
from .learning import LESSONS, Lesson


@dataclass(frozen=True)
class TrainingModule:
    slug: str
    title: str
    description: str
    minutes: int
    required_for_mentoring: bool = False


TRAINING_MODULES: tuple[TrainingModule, ...] = (
    TrainingModule(
        "mentoring-peers", "Mentoring peers",
        "How to guide a fellow officer: listening, sharing practice, following up.",
        45, required_for_mentoring=True,
    ),
    TrainingModule(
        "responding-to-requests", "Responding to a request for assistance",
        "Acknowledging a peer's request promptly, scoping the need and closing the loop.",
        30, required_for_mentoring=True,
    ),
    TrainingModule(
        "hosting-a-screening", "Hosting a screening",
        "Choosing a film, a venue and an audience, and running the event on the day.",
        30,
    ),
    TrainingModule(
        "facilitating-discussion", "Facilitating a guided discussion",
        "Using a film's discussion guide to lead a safe, productive conversation.",
        40,
    ),
    TrainingModule(
        "recognising-hate-crimes", "Recognising and reporting hate crimes and bias incidents",
        "Bias indicators, the difference between a hate crime and a bias incident, and reporting.",
        60,
    ),
)
TRAINING_MODULES_BY_SLUG = {module.slug: module for module in TRAINING_MODULES}
MENTORING_MODULES: frozenset[str] = frozenset(m.slug for m in TRAINING_MODULES if m.required_for_mentoring)


def training_module(slug: Any) -> TrainingModule:
    key = slug.strip().lower() if isinstance(slug, str) else slug
    module = TRAINING_MODULES_BY_SLUG.get(key)
    if module is None:
        raise ValidationFailed(
            f"unknown training module {slug!r} (expected one of: {', '.join(TRAINING_MODULES_BY_SLUG)})",
            field="module",
        )
    return module


def lesson(slug: Any) -> Lesson:
    """A module's objectives, readings and knowledge check."""
    return LESSONS[training_module(slug).slug]


# A check is passed with at least this share of right answers (4 of 5, or every one of 4).
PASS_MARK_PERCENT = 80


@dataclass(frozen=True)
class CheckResult:
    """How a leader did on a module's knowledge check. `to_revisit` lists the questions
    answered wrongly or not at all (in the check's order), never the right answers."""

    module: str
    correct: int
    total: int
    to_revisit: tuple[str, ...]
    unanswered: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.correct * 100 >= PASS_MARK_PERCENT * self.total

    @property
    def percent(self) -> int:
        return self.correct * 100 // self.total


def grade(module: Any, answers: Any) -> CheckResult:
    """Score answers (question id -> chosen option key) to a module's check.

    A question left out or answered with an empty value counts as unanswered (and wrong);
    an unknown question or an option the question does not offer is refused, naming it.
    """
    chosen_lesson = lesson(module)
    if not isinstance(answers, Mapping):
        raise ValidationFailed("answers must map each question's id to the key of the chosen option",
                               field="answers")
    questions = {q.id: q for q in chosen_lesson.questions}
    problems = []
    for key, value in answers.items():
        question = questions.get(key) if isinstance(key, str) else None
        if question is None:
            problems.append({"field": f"answers.{key}",
                             "message": f"no such question in this check (expected: {', '.join(questions)})"})
        elif value not in (None, "") and (not isinstance(value, str) or value not in question.option_keys):
            problems.append({"field": f"answers.{key}",
                             "message": f"choose one of the options {', '.join(question.option_keys)}"})
    if problems:
        raise ValidationFailed(problems)
    unanswered = tuple(q.id for q in chosen_lesson.questions if answers.get(q.id) in (None, ""))
    wrong = tuple(q.id for q in chosen_lesson.questions
                  if q.id not in unanswered and answers[q.id] != q.answer)
    to_revisit = tuple(q.id for q in chosen_lesson.questions if q.id in unanswered or q.id in wrong)
    return CheckResult(module=training_module(module).slug, correct=len(chosen_lesson.questions) - len(to_revisit),
                       total=len(chosen_lesson.questions), to_revisit=to_revisit, unanswered=unanswered)


def missing_mentoring_modules(completed_slugs: Iterable[str]) -> tuple[str, ...]:
    done = set(completed_slugs)
    return tuple(m.slug for m in TRAINING_MODULES if m.required_for_mentoring and m.slug not in done)


def can_receive_mentorship_requests(completed_slugs: Iterable[str]) -> bool:
    return not missing_mentoring_modules(completed_slugs)


def record_completion(
    completed: Mapping[str, datetime], module: str, *, now: datetime
) -> tuple[dict[str, datetime], bool]:
    """Add a completion to `completed` (slug -> when); returns it and whether it is new.

    Completing a module twice keeps the first completion time.
    """
    require_aware(now, "now")
    slug = training_module(module).slug
    if slug in completed:
        return dict(completed), False
    return {**completed, slug: now}, True


# Training reminders. A newly approved leader who has not finished the mentoring modules
# is reminded 7 days after approval, then every 14 days, three times at most. Only the
# mentoring modules count: they are what stands between a leader and mentorship requests,
# while the other modules help with screenings and are left to the leader's own pace.
TRAINING_REMINDER_FIRST_AFTER = timedelta(days=7)
TRAINING_REMINDER_INTERVAL = timedelta(days=14)
TRAINING_REMINDER_LIMIT = 3


def next_training_reminder_at(
    *,
    approved_at: datetime,
    reminders_sent: int,
    completed_slugs: Iterable[str],
    active: bool = True,
    last_sent_at: datetime | None = None,
) -> datetime | None:
    """When the next training reminder is due, or None when no more should be sent.

    Reminders fall on fixed days counted from approval (7, 21, 35); when one went out
    late (the service was down), the next still waits a full interval after it, so a
    leader never gets two reminders in a row.
    """
    require_aware(approved_at, "approved_at")
    if reminders_sent < 0:
        raise ValueError("reminders_sent must not be negative")
    if not active or reminders_sent >= TRAINING_REMINDER_LIMIT or not missing_mentoring_modules(completed_slugs):
        return None
    due = approved_at + TRAINING_REMINDER_FIRST_AFTER + TRAINING_REMINDER_INTERVAL * reminders_sent
    if last_sent_at is not None:
        due = max(due, require_aware(last_sent_at, "last_sent_at") + TRAINING_REMINDER_INTERVAL)
    return due


def is_last_training_reminder(number: int) -> bool:
    """Whether reminder `number` (counted from 1) is the last one a leader receives."""
    return number >= TRAINING_REMINDER_LIMIT
