"""Partners' rules, plain Python: what a partner record holds, how typed input becomes
one (each problem named by its field), and how a name typed on a screening or a report
finds its record."""
from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Iterable, Mapping

from ..domain.validation import FieldErrors, clean_text
from ..domain.zones import STATE_TIME_ZONES

MAX_NAME = 200
MAX_CITY = 100
MAX_ROLE = 100
MAX_URL = 2000
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_SPACES = re.compile(r"\s+")


class PartnerKind(str, enum.Enum):
    SCHOOL = "school"
    COMMUNITY_GROUP = "community_group"
    FAITH_GROUP = "faith_group"
    AGENCY = "agency"
    OTHER = "other"


KIND_LABELS = {
    PartnerKind.SCHOOL: "School or college",
    PartnerKind.COMMUNITY_GROUP: "Community group",
    PartnerKind.FAITH_GROUP: "Faith group",
    PartnerKind.AGENCY: "Agency",
    PartnerKind.OTHER: "Other (to be completed)",
}


@dataclass(frozen=True)
class Partner:
    """A partner and where it is. `contact_role` is a role ("principal", "imam"), never a
    person's address: partners are shown on public pages."""

    id: int | None
    name: str
    kind: PartnerKind
    state: str
    city: str | None = None
    postal_code: str | None = None
    website: str | None = None
    contact_role: str | None = None
    added_by: str | None = None  # a leader id, "manager", or "migration"
    added_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return name_key(self.name), self.state


def name_key(name: str) -> str:
    """The form of a name two spellings of one partner share: case, accents, punctuation
    and spacing aside ("St. Mary's  School" and "st marys school")."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", "", folded)).strip()


def _state(value: Any, errors: FieldErrors) -> str:
    text = value.strip().upper() if isinstance(value, str) else ""
    if value is None or text == "":
        errors.add("state", "is required")
    elif text not in STATE_TIME_ZONES:
        errors.add("state", "must be a US state or territory's two-letter code, e.g. IL")
    return text


def _kind(value: Any, errors: FieldErrors) -> PartnerKind:
    if value is None or value == "":
        errors.add("kind", "is required: a school, community group, faith group, agency or other")
        return PartnerKind.OTHER
    try:
        return PartnerKind(value)
    except ValueError:
        errors.add("kind", "must be one of: " + ", ".join(k.value for k in PartnerKind))
        return PartnerKind.OTHER


def _postal_code(value: Any, errors: FieldErrors) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _ZIP.match(value.strip()):
        errors.add("postal_code", "must be a ZIP code, e.g. 60653 or 60653-1234")
        return None
    return value.strip()[:5]


def _website(value: Any, errors: FieldErrors) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not text.startswith("https://") or len(text) > MAX_URL or any(c.isspace() for c in text) or len(text) < 12:
        errors.add("website", "must be an https:// web address")
        return None
    return text


def _contact_role(value: Any, errors: FieldErrors) -> str | None:
    text = clean_text(value, "contact_role", errors, limit=MAX_ROLE, required=False) or None
    if text and "@" in text:
        errors.add("contact_role", "a role such as 'principal', not an address: partners are shown publicly")
        return None
    return text


FIELDS = ("name", "kind", "city", "state", "postal_code", "website", "contact_role")


def partner_from_input(raw: Any, *, added_by: str, now: datetime) -> Partner:
    """A new partner from a form or JSON object; every problem is named by its field."""
    if not isinstance(raw, Mapping):
        errors = FieldErrors()
        errors.add("partner", "must be an object")
        errors.raise_if_any()
    errors = FieldErrors()
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        errors.add(unknown[0], "is not a partner field")
    name = clean_text(raw.get("name"), "name", errors, limit=MAX_NAME, required=True)
    kind = _kind(raw.get("kind"), errors)
    city = clean_text(raw.get("city"), "city", errors, limit=MAX_CITY, required=True)
    state = _state(raw.get("state"), errors)
    postal_code = _postal_code(raw.get("postal_code"), errors)
    website = _website(raw.get("website"), errors)
    contact_role = _contact_role(raw.get("contact_role"), errors)
    errors.raise_if_any()
    return Partner(id=None, name=name, kind=kind, state=state, city=city, postal_code=postal_code,
                   website=website, contact_role=contact_role, added_by=added_by, added_at=now, updated_at=now)


def edited(partner: Partner, changes: Any, *, now: datetime) -> Partner:
    """The partner with the fields in `changes` replaced (and checked as a new one is)."""
    if not isinstance(changes, Mapping):
        errors = FieldErrors()
        errors.add("changes", "must be an object")
        errors.raise_if_any()
    current = {"name": partner.name, "kind": partner.kind.value, "city": partner.city, "state": partner.state,
               "postal_code": partner.postal_code, "website": partner.website, "contact_role": partner.contact_role}
    merged = partner_from_input({**current, **changes}, added_by=partner.added_by or "manager", now=now)
    return replace(merged, id=partner.id, added_at=partner.added_at, updated_at=now)


def named_on_event(name: str, *, state: str, city: str | None, added_by: str, now: datetime) -> Partner:
    """The record a name typed on a screening or report becomes when no partner in the
    event's state has it: at the event's place, its kind to be completed by a manager."""
    return Partner(id=None, name=name.strip()[:MAX_NAME], kind=PartnerKind.OTHER, state=state,
                   city=(city or "").strip()[:MAX_CITY] or None, added_by=added_by, added_at=now, updated_at=now)


def resolve(names: Iterable[str], known: Mapping[tuple[str, str], Partner], *, state: str | None
            ) -> tuple[list[Partner], list[str]]:
    """The records `names` (as typed, in order) match in `state`, and the names matching
    none. Without a state nothing can be matched or placed: every name stays unlinked."""
    linked: list[Partner] = []
    missing: list[str] = []
    for name in names:
        found = known.get((name_key(name), state)) if state else None
        if found is not None:
            if found not in linked:
                linked.append(found)
        elif name_key(name) and name not in missing:
            missing.append(name)
    return linked, missing
