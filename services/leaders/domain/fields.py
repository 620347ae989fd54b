"""Parsing and checking of single input fields, shared by the leaders' rules.

A parser returns the clean value or raises `Invalid` with what is wrong; `Problems`
collects each field's problem so one ValidationFailed lists every bad field at once.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Any

import phonenumbers

from services.contracts.email import MAX_LENGTH as EMAIL_MAX_LENGTH
from services.contracts.email import InvalidEmail, normalise_email
from services.runtime.errors import ValidationFailed

from ..regions import normalize_state


class Invalid(ValueError):
    """One field's problem; collected by Problems into a single ValidationFailed."""


class Problems:
    def __init__(self) -> None:
        self.errors: list[dict] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def check(self, field: str, parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(*args)
        except Invalid as exc:
            self.add(field, str(exc))
        except ValidationFailed as exc:
            for error in exc.errors:
                self.add(field, error["message"])
        return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def refuse_unknown(data: Mapping[str, Any], allowed: Collection[str], problems: Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(str(key), "is not a field that can be set")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Postgres refuses NUL in text and other control characters are never legitimate here.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(value: Any, *, max_length: int, required: bool = True, multiline: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid("must be text")
    if multiline:
        cleaned = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        cleaned = " ".join(value.split())
    if _CONTROL_CHARACTERS.search(cleaned):
        raise Invalid("contains control characters")
    if required and not cleaned:
        raise Invalid("is required")
    if len(cleaned) > max_length:
        raise Invalid(f"must be at most {max_length} characters (got {len(cleaned)})")
    return cleaned


def parse_email(value: Any) -> str:
    """An address in the one form it is stored and compared in (normalise_email)."""
    address = parse_text(value, max_length=EMAIL_MAX_LENGTH)
    try:
        return normalise_email(address)
    except InvalidEmail as exc:
        raise Invalid(str(exc)) from None


def parse_phone(value: Any) -> str:
    raw = parse_text(value, max_length=40)
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        raise Invalid(f"{raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_optional_phone(value: Any) -> str | None:
    if blank(value):
        return None
    return parse_phone(value)


def parse_state(value: Any) -> str:
    return normalize_state(value)


def parse_whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise Invalid("must be a whole number")


_TRUE_WORDS = {"yes", "y", "true", "1"}
_FALSE_WORDS = {"no", "n", "false", "0", ""}


def parse_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise Invalid("must be yes or no")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise Invalid("must be a date, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"{value!r} is not a date (expected YYYY-MM-DD)")


def require_aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment


def comparable_email(value: str) -> str:
    """How two addresses are compared: in their one normal form (normalise_email). Text that
    is no address at all (a bad cell of a CSV file) is compared trimmed and case-folded, so
    two rows with the same bad cell are still seen as one address."""
    try:
        return normalise_email(value)
    except InvalidEmail:
        return value.strip().casefold() if isinstance(value, str) else ""
