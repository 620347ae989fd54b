"""The leaders service's settings (config.yml's MENTORSHIP section and
PROGRAM_MANAGER_EMAILS), shared by the roster and the mentorship room, read once at start-up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping

from services.runtime.settings import DEFAULT_MANAGER_EMAILS, manager_emails, section

from .mentorship.domain.deadlines import DEFAULT_POLICY, DeadlinePolicy
from .mentorship.domain.lifecycle import DEFAULT_AGREED_DAYS
from .mentorship.domain.urgent import DEFAULT_RESPONSE_HOURS


@dataclass(frozen=True)
class LeadersSettings:
    policy: DeadlinePolicy = DEFAULT_POLICY
    manager_emails: tuple[str, ...] = DEFAULT_MANAGER_EMAILS
    agreed_days: int = DEFAULT_AGREED_DAYS
    # Rapid response: hours each round of offers of an urgent request has to be accepted.
    urgent_response_hours: int = DEFAULT_RESPONSE_HOURS


def from_config(cfg: Mapping[str, Any]) -> LeadersSettings:
    """Defaults for what config does not say; an urgent answer time longer than the
    normal one is refused (DeadlinePolicy), so a bad config stops the service at start."""
    mentorship = section(cfg, "MENTORSHIP")
    policy = DeadlinePolicy(
        normal=timedelta(days=float(mentorship.get("response_business_days", 2))),
        urgent=timedelta(days=float(mentorship.get("urgent_response_business_days", 1))),
        zone_name=str(mentorship.get("time_zone", DEFAULT_POLICY.zone_name)),
    )
    hours = int(mentorship.get("urgent_request_response_hours", DEFAULT_RESPONSE_HOURS))
    if not 1 <= hours <= 72:
        raise ValueError(f"MENTORSHIP.urgent_request_response_hours must be 1 to 72 hours, not {hours}")
    return LeadersSettings(policy, manager_emails(cfg), int(mentorship.get("agreed_days", DEFAULT_AGREED_DAYS)),
                           hours)
