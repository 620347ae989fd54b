"""The one way an email address is normalised, wherever it is stored or compared."""
from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


class InvalidEmail(ValueError):
    """The address cannot be used; the message says why, fit to show to a person."""


@lru_cache(maxsize=65536)
def normalise_email(value: str) -> str:
    """The form in which every service stores and compares an address: its syntax checked
    (no DNS lookup), the domain in normal form and the whole address lower-cased. Local
    parts are case-sensitive in theory but at no real provider, so `Ann@X.org` and
    `ann@x.org` are one person. Raises InvalidEmail."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidEmail("an email address is required")
    address = value.strip()
    if len(address) > MAX_LENGTH:
        raise InvalidEmail(f"must be at most {MAX_LENGTH} characters")
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidEmail(f"not a valid email address: {exc}") from None
