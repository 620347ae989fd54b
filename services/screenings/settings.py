"""The screenings service's settings (config.yml's SCREENINGS section, PUBLIC_BASE_URL and
PROGRAM_MANAGER_EMAILS), read once at start-up."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from services.runtime.settings import DEFAULT_MAIL_FROM, DEFAULT_MANAGER_EMAILS, DEFAULT_PUBLIC_BASE_URL, \
    calendar_reply_mailbox, manager_emails, network_mailbox, public_base_url, section

from .domain.screening import DEFAULT_UID_DOMAIN
from .materials.domain import DEFAULT_LEAD_DAYS


@dataclass(frozen=True)
class ScreeningsSettings:
    manager_emails: tuple[str, ...] = DEFAULT_MANAGER_EMAILS
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    uid_domain: str = DEFAULT_UID_DOMAIN
    feed_past_days: int = 90  # feeds list events that ended at most this many days ago
    feed_cache_events: int = 200_000  # rendered VEVENTs kept in memory per instance
    # Days shipping takes: a materials order for a screening sooner than this is taken with a warning.
    materials_lead_days: int = DEFAULT_LEAD_DAYS
    # The ORGANIZER of every invitation: the network's mailbox, never a leader's address.
    organizer_email: str = network_mailbox({"SMTP": {"from": DEFAULT_MAIL_FROM}})[1]
    # An invitee's invitation names instead `local+<their token>@domain`, where their
    # calendar's Accept or Decline comes back (services.screenings.replies).
    reply_mailbox: tuple[str, str] = calendar_reply_mailbox({"SMTP": {"from": DEFAULT_MAIL_FROM}})

    def url(self, path: str) -> str:
        return self.public_base_url.rstrip("/") + path


def from_config(cfg: Mapping[str, Any]) -> ScreeningsSettings:
    screenings = section(cfg, "SCREENINGS")
    defaults = ScreeningsSettings()
    return ScreeningsSettings(
        manager_emails=manager_emails(cfg),
        public_base_url=public_base_url(cfg),
        uid_domain=str(screenings.get("uid_domain") or defaults.uid_domain),
        feed_past_days=int(screenings.get("feed_past_days") or defaults.feed_past_days),
        feed_cache_events=int(screenings.get("feed_cache_events") or defaults.feed_cache_events),
        materials_lead_days=int(screenings.get("materials_lead_days") or defaults.materials_lead_days),
        organizer_email=network_mailbox(cfg)[1],
        reply_mailbox=calendar_reply_mailbox(cfg),
    )
