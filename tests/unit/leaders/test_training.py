from datetime import datetime, timedelta, timezone

import pytest

from services.leaders.domain.training import (
    MENTORING_MODULES,
    TRAINING_MODULES,
    can_receive_mentorship_requests,
    missing_mentoring_modules,
    record_completion,
    training_module,
)
from services.runtime.errors import ValidationFailed

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc)


def test_the_catalog_has_the_program_modules():
    slugs = [m.slug for m in TRAINING_MODULES]
    assert slugs == [
        "mentoring-peers", "responding-to-requests", "hosting-a-screening",
        "facilitating-discussion", "recognising-hate-crimes",
    ]
    assert len(set(slugs)) == len(slugs)
    for module in TRAINING_MODULES:
        assert module.title and module.description and module.minutes > 0


def test_the_mentoring_modules_are_required_for_mentoring():
    assert MENTORING_MODULES == {"mentoring-peers", "responding-to-requests"}


@pytest.mark.parametrize(
    ("completed", "ready"),
    [
        ([], False),
        (["mentoring-peers"], False),
        (["responding-to-requests"], False),
        (["hosting-a-screening", "facilitating-discussion", "recognising-hate-crimes"], False),
        (["mentoring-peers", "responding-to-requests"], True),
        ([m.slug for m in TRAINING_MODULES], True),
    ],
)
def test_mentorship_requests_wait_for_the_mentoring_modules(completed, ready):
    assert can_receive_mentorship_requests(completed) is ready
    assert (missing_mentoring_modules(completed) == ()) is ready


def test_missing_modules_are_listed_in_catalog_order():
    assert missing_mentoring_modules(["hosting-a-screening"]) == ("mentoring-peers", "responding-to-requests")


def test_recording_a_completion_is_idempotent():
    progress, new = record_completion({}, "mentoring-peers", now=NOW)
    assert new and progress == {"mentoring-peers": NOW}
    again, new = record_completion(progress, " Mentoring-Peers ", now=NOW + timedelta(days=1))
    assert not new and again == {"mentoring-peers": NOW}
    progress, new = record_completion(again, "responding-to-requests", now=NOW + timedelta(days=1))
    assert new and can_receive_mentorship_requests(progress)


@pytest.mark.parametrize("module", ["knitting", "", None, 3])
def test_an_unknown_module_is_refused(module):
    with pytest.raises(ValidationFailed) as caught:
        record_completion({}, module, now=NOW)
    assert caught.value.field == "module"


def test_lookup_by_slug():
    assert training_module("hosting-a-screening").title == "Hosting a screening"
