"""Reading settings: the one idiom every service follows.

Each service has a `settings.py` with a frozen settings class and a
`from_config(cfg) -> Settings` function that reads its sections of config.yml (with the
defaults of each field for what is missing). The service declares
`settings = Settings(from_config)` (runtime.dependencies), which reads them once when the
container starts; entrypoints pass `self.settings` to the use cases. Values several
services share are read here, once.
"""
from __future__ import annotations

from email.utils import parseaddr
from typing import Any, Mapping

DEFAULT_MANAGER_EMAILS = ("programs@niot.example.org",)
DEFAULT_MAIL_FROM = "NIOT Law Enforcement Network <network@niot.example.org>"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def section(cfg: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A section of the config (`SMTP`, `MAILER`...), empty when absent."""
    return cfg.get(name) or {}


def manager_emails(cfg: Mapping[str, Any]) -> tuple[str, ...]:
    """PROGRAM_MANAGER_EMAILS: comma-separated addresses where managers' mail goes."""
    raw = str(cfg.get("PROGRAM_MANAGER_EMAILS") or "")
    return tuple(address.strip() for address in raw.split(",") if address.strip()) or DEFAULT_MANAGER_EMAILS


def network_mailbox(cfg: Mapping[str, Any]) -> tuple[str, str]:
    """(name, address) of the network's own mailbox, SMTP `from`: mail comes from it and
    calendar invitations name it as their organizer, so no leader's address travels."""
    name, address = parseaddr(str(section(cfg, "SMTP").get("from") or DEFAULT_MAIL_FROM))
    return name, address


def calendar_reply_mailbox(cfg: Mapping[str, Any]) -> tuple[str, str]:
    """(local part, domain) of the address calendar replies come back to (MAILER.inbound
    `reply_address`, CALENDAR_REPLY_ADDRESS): each invitee's invitation names it with
    their own token as a subaddress, `local+token@domain`. The default is `replies@` the
    network mailbox's domain."""
    configured = str((section(cfg, "MAILER").get("inbound") or {}).get("reply_address") or "").strip()
    if not configured:
        configured = "replies@" + network_mailbox(cfg)[1].rsplit("@", 1)[-1]
    local, at, domain = configured.rpartition("@")
    if not at or not local or not domain or "+" in local:
        raise ValueError(f"MAILER.inbound.reply_address {configured!r} must be local@domain, without a '+'")
    return local, domain.lower()


def public_base_url(cfg: Mapping[str, Any]) -> str:
    """PUBLIC_BASE_URL without a trailing slash: links in mail are this plus a site path."""
    return str(cfg.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL).rstrip("/")


def flag(value: Any) -> bool:
    """A boolean setting as YAML or an environment variable spells it."""
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")
