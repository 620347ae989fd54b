"""Checks every request's input passes at the gateway's edge, before any route sees it.

- A JSON body nested deeper than `MAX_JSON_DEPTH` is refused with 400 before `json.loads`
  recurses into it (a thousand nested arrays would otherwise end in a RecursionError).
- Text anywhere in a body, a query or a path must be valid Unicode without lone UTF-16
  surrogates (`"\\ud800"` is valid JSON but cannot be stored or encoded) and without
  control characters other than tab, newline and carriage return: refused with 422
  naming the field. Path parameters must not hold any control character at all (they end
  up in headers, calendar names and log lines): there is no resource at such a path.
"""
from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, not_found

MAX_JSON_DEPTH = 16

# Lone surrogates, and C0/C1 controls and DEL except \t \n \r.
_BAD_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BAD_PATH = re.compile("[\ud800-\udfff\x00-\x1f\x7f-\x9f]")
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")


def json_depth_ok(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether no array or object in `raw` is nested deeper than `limit` (strings skipped,
    so brackets inside them do not count). Linear, without recursion."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > limit:
                return False
        elif byte in _CLOSERS:
            depth -= 1
    return True


def check_json_depth(raw: bytes) -> None:
    if not json_depth_ok(raw):
        raise ApiError(400, "bad_request", f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")


def _problem(text: str) -> str | None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return "holds a lone UTF-16 surrogate, which is not a character"
    return f"holds a control character (U+{ord(char):04X}); only tab, newline and carriage return are allowed"


def check_text(value: Any, where: str = "") -> None:
    """Refuse (422, naming the field) any string in `value`, a decoded JSON document or a
    form, with a lone surrogate or a disallowed control character; keys count too."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            problem = _problem(item)
            if problem:
                name = field or "(body)"
                raise ApiError(422, "validation_failed", f"{name}: {problem}", field=name)
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = f"{field}.{key}" if field else str(key)
                stack.append((key, name))
                stack.append((inner, name))
        elif isinstance(item, (list, tuple)):
            stack.extend((inner, f"{field}.{index}" if field else str(index)) for index, inner in enumerate(item))


def check_query(args) -> None:
    """The query string's names and values (a MultiDict)."""
    for key, values in args.lists():
        check_text(key, key)
        for value in values:
            check_text(value, key)


def check_path(path: dict[str, Any]) -> None:
    """No control character or surrogate in a text path parameter: no such resource."""
    for value in path.values():
        if isinstance(value, str) and _BAD_PATH.search(value):
            raise not_found("there is nothing at this address")
