"""Conditional GET as RFC 9110 says: weak comparison, lists and `*` in If-None-Match,
If-Modified-Since only when If-None-Match is absent."""
from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.conditional import etag_of, not_modified

ETAG = '"abc123"'
LAST_MODIFIED = "Sun, 29 Nov 2026 10:00:00 GMT"


def request(**headers) -> Request:
    return Request(EnvironBuilder(headers={k.replace("_", "-"): v for k, v in headers.items()}).get_environ())


@pytest.mark.parametrize("header", ['"abc123"', 'W/"abc123"', '"other", "abc123"', '"x",W/"abc123"', "*"])
def test_a_matching_if_none_match_is_not_modified(header):
    assert not_modified(request(If_None_Match=header), ETAG, LAST_MODIFIED)


@pytest.mark.parametrize("header", ['"other"', 'W/"abc1234"', '"abc123', ""])
def test_anything_else_in_if_none_match_is_modified(header):
    assert not not_modified(request(If_None_Match=header), ETAG, LAST_MODIFIED)


def test_if_none_match_decides_over_if_modified_since():
    assert not not_modified(request(If_None_Match='"other"', If_Modified_Since=LAST_MODIFIED), ETAG, LAST_MODIFIED)


@pytest.mark.parametrize("since, expected", [
    (LAST_MODIFIED, True), ("Mon, 30 Nov 2026 10:00:00 GMT", True), ("Sun, 29 Nov 2026 09:59:59 GMT", False),
    ("not a date", False)])
def test_if_modified_since_against_last_modified(since, expected):
    assert not_modified(request(If_Modified_Since=since), ETAG, LAST_MODIFIED) is expected


def test_without_last_modified_only_the_etag_counts():
    assert not not_modified(request(If_Modified_Since=LAST_MODIFIED), ETAG)
    assert not not_modified(request(), ETAG, LAST_MODIFIED)


def test_etags_are_strong_and_follow_the_body():
    assert etag_of("BEGIN:VCALENDAR") == etag_of(b"BEGIN:VCALENDAR") != etag_of("BEGIN:VCALENDAR\r\n")
    assert etag_of("x").startswith('"') and not etag_of("x").startswith("W/")
