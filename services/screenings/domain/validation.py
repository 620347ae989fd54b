"""Field checks shared by the screening rules: each problem is collected with the field it
concerns, and all of them are raised together."""
from __future__ import annotations

from typing import Any

from services.runtime.errors import ValidationFailed

from ..films import Audience

MAX_CAPACITY = 100_000
MAX_TITLE = 200
MAX_TEXT = 5_000
MAX_LIST = 50
MAX_ITEM = 300


class FieldErrors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field_name: str, message: str) -> None:
        self.items.append({"field": field_name, "message": message})

    def has(self, field_name: str) -> bool:
        return any(e["field"] == field_name for e in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def clean_text(value: Any, field_name: str, errors: FieldErrors, *, limit: int, required: bool) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field_name, "is required")
        return ""
    if not isinstance(value, str):
        errors.add(field_name, "must be text")
        return ""
    value = value.strip()
    if len(value) > limit:
        errors.add(field_name, f"must be at most {limit} characters")
    return value


def clean_text_list(value: Any, field_name: str, errors: FieldErrors) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        errors.add(field_name, "must be a list")
        return ()
    if len(value) > MAX_LIST:
        errors.add(field_name, f"at most {MAX_LIST} entries")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item.strip()) > MAX_ITEM:
            errors.add(field_name, f"each entry must be non-empty text of at most {MAX_ITEM} characters")
            return ()
        if item.strip() not in items:
            items.append(item.strip())
    return tuple(items)


def clean_audiences(value: Any, field_name: str, errors: FieldErrors, *, required: bool) -> tuple[Audience, ...]:
    if value is None or value == [] or value == ():
        if required:
            errors.add(field_name, "name at least one audience")
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        errors.add(field_name, "must be a list")
        return ()
    result: list[Audience] = []
    for item in value:
        try:
            audience = Audience(item)
        except ValueError:
            errors.add(field_name, f"unknown audience {item!r}; use: " + ", ".join(a.value for a in Audience))
            return ()
        if audience not in result:
            result.append(audience)
    return tuple(result)


