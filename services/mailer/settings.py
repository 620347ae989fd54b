"""The mailer's settings (config.yml's SMTP and MAILER sections, PUBLIC_BASE_URL and
PROGRAM_MANAGER_EMAILS), read once at start-up by `from_config`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Mapping

from services.runtime.settings import flag, manager_emails, network_mailbox, public_base_url, section

from .compose import MailSettings
from .delivery import Backoff, DeliveryPolicy
from .notifications import MAILER_PATHS, RenderContext
from .smtp import SmtpSettings


@dataclass(frozen=True)
class MailerSettings:
    base_url: str
    manager_emails: tuple[str, ...]
    mail: MailSettings
    smtp: SmtpSettings
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    batch_size: int = 50
    digest_time_zone: str = "America/New_York"
    digest_weekday: int = 0  # Monday
    digest_hour: int = 8
    # The managers' daily summary (app/daily_summary.py), at this hour in digest_time_zone.
    summary_hour: int = 7
    # After a wake-up the delivery loop lets the commits of a burst gather this long, so
    # one claim takes them all.
    linger_seconds: float = 0.005
    # SMTP connections to the relay, one message in flight on each.
    connections: int = 4
    # Messages per second to the relay, shared by every instance; 0 = no limit.
    rate_per_second: float = 0.0
    # How a connection slows down while the relay answers 421/450/451/452/454.
    backoff: Backoff = field(default_factory=Backoff)

    def __post_init__(self) -> None:
        if self.connections < 1:
            raise ValueError(f"MAILER.connections must be at least 1, not {self.connections}")
        if self.rate_per_second < 0:
            raise ValueError(f"MAILER.rate_per_second must be 0 (no limit) or more, not {self.rate_per_second}")

    def render_context(self) -> RenderContext:
        return RenderContext(self.base_url, self.manager_emails)


def _policy(mailer: Mapping[str, Any]) -> DeliveryPolicy:
    defaults = DeliveryPolicy()
    delays = mailer.get("retry_delays")
    return DeliveryPolicy(
        retry_delays=tuple(timedelta(seconds=float(d)) for d in delays) if delays else defaults.retry_delays,
        max_attempts=int(mailer.get("max_attempts") or defaults.max_attempts),
        max_age=timedelta(hours=float(mailer["max_age_hours"])) if mailer.get("max_age_hours") else defaults.max_age,
        lease=timedelta(seconds=float(mailer["lease_seconds"])) if mailer.get("lease_seconds") else defaults.lease,
        bounce_threshold=int(mailer.get("bounce_threshold") or defaults.bounce_threshold),
    )


def _whole(mailer: Mapping[str, Any], name: str, default: int) -> int:
    value = mailer.get(name)
    return int(value) if value is not None else default


def from_config(cfg: Mapping[str, Any]) -> MailerSettings:
    """Defaults for what config does not say (see config.yml)."""
    smtp = section(cfg, "SMTP")
    mailer = section(cfg, "MAILER")
    from_name, from_address = network_mailbox(cfg)
    base_url = public_base_url(cfg)
    return MailerSettings(
        base_url=base_url,
        manager_emails=manager_emails(cfg),
        mail=MailSettings(
            from_address=from_address, from_name=from_name,
            reply_to=str(smtp.get("reply_to") or "") or None,
            message_id_domain=str(mailer.get("message_id_domain") or "") or None,
            unsubscribe_url=base_url + MAILER_PATHS["unsubscribe"].split("/{", 1)[0],
        ),
        smtp=SmtpSettings(
            host=str(smtp.get("host") or "127.0.0.1"), port=int(smtp.get("port") or 25),
            envelope_from=str(smtp.get("envelope_from") or from_address),
            starttls=flag(smtp.get("starttls")),
            username=str(smtp.get("username") or "") or None,
            password=str(smtp.get("password") or "") or None,
            timeout=float(smtp.get("timeout") or 30),
        ),
        policy=_policy(mailer),
        batch_size=int(mailer.get("batch_size") or 50),
        digest_time_zone=str(mailer.get("digest_time_zone") or "America/New_York"),
        digest_weekday=_whole(mailer, "digest_weekday", 0),
        digest_hour=_whole(mailer, "digest_hour", 8),
        summary_hour=_whole(mailer, "summary_hour", 7),
        linger_seconds=float(mailer.get("linger_ms", 5)) / 1000,
        connections=_whole(mailer, "connections", 4),
        rate_per_second=float(mailer.get("rate_per_second") or 0),
        backoff=Backoff(
            first=float(mailer.get("throttle_backoff_first_seconds") or Backoff.first),
            longest=float(mailer.get("throttle_backoff_max_seconds") or Backoff.longest),
        ),
    )
