"""The gateway's edge checks on input: depth of JSON, text without surrogates or controls."""
from __future__ import annotations

import json

import pytest
from werkzeug.datastructures import MultiDict

from services.gateway import input_checks
from services.gateway.errors import ApiError


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def test_depth_is_counted_without_recursion():
    assert input_checks.json_depth_ok(nested(16))
    assert not input_checks.json_depth_ok(nested(17))
    assert not input_checks.json_depth_ok(nested(100_000))  # json.loads would raise RecursionError


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"note": "[" * 50 + "\\\"{{{" + "]" * 3}).encode()
    assert input_checks.json_depth_ok(text, limit=1)
    assert not input_checks.json_depth_ok(b'{"a": {"b": 1}}', limit=1)


def test_refusal_is_a_400_with_a_clear_message():
    with pytest.raises(ApiError) as refused:
        input_checks.check_json_depth(nested(1000))
    assert refused.value.status == 400 and "nested" in refused.value.message


@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "nul\x00", "bell\x07", "esc\x1b[2J", "del\x7f", "c1\x85"])
def test_surrogates_and_controls_are_refused_naming_the_field(bad):
    with pytest.raises(ApiError) as refused:
        input_checks.check_text({"reference": {"name": "ok", "contact": bad}})
    assert refused.value.status == 422 and refused.value.field == "reference.contact"


def test_lists_and_keys_are_checked_too():
    with pytest.raises(ApiError) as refused:
        input_checks.check_text({"partners": ["fine", "bad\x01"]})
    assert refused.value.field == "partners.1"
    with pytest.raises(ApiError):
        input_checks.check_text({"bad\ud800key": 1})


def test_free_text_keeps_tabs_newlines_and_any_real_character():
    input_checks.check_text({"why": "Line one\r\nLine two\tindented — café 🎬 ✓", "n": 3, "x": None})


def test_query_values_are_checked_by_name():
    with pytest.raises(ApiError) as refused:
        input_checks.check_query(MultiDict([("q", "fine"), ("state", "GA\x00")]))
    assert refused.value.field == "state"


@pytest.mark.parametrize("bad", ["region-5\n", "region-5\rBEGIN:VEVENT", "a\tb", "\ud800"])
def test_a_path_identifier_with_a_control_character_names_no_resource(bad):
    with pytest.raises(ApiError) as refused:
        input_checks.check_path({"region_id": bad})
    assert refused.value.status == 404
    input_checks.check_path({"region_id": "region-5", "leader_id": 7})
