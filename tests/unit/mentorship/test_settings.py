from __future__ import annotations

from datetime import timedelta

import pytest

from services.leaders.mentorship.paths import MENTORSHIP_PATHS
from services.leaders.settings import from_config


def test_defaults_when_config_says_nothing():
    settings = from_config({})
    assert settings.manager_emails == ("programs@niot.example.org",)
    assert (settings.policy.normal, settings.policy.urgent) == (timedelta(days=2), timedelta(days=1))
    assert (settings.policy.zone_name, settings.agreed_days) == ("America/New_York", 90)


def test_values_from_config():
    settings = from_config({
        "PROGRAM_MANAGER_EMAILS": " a@x.org, b@x.org ,",
        "MENTORSHIP": {"response_business_days": "3", "urgent_response_business_days": 0.5,
                       "time_zone": "America/Chicago", "agreed_days": "60"},
    })
    assert settings.manager_emails == ("a@x.org", "b@x.org")
    assert (settings.policy.normal, settings.policy.urgent) == (timedelta(days=3), timedelta(hours=12))
    assert (settings.policy.zone_name, settings.agreed_days) == ("America/Chicago", 60)


def test_a_longer_urgent_time_is_refused_at_start():
    with pytest.raises(ValueError):
        from_config({"MENTORSHIP": {"response_business_days": 1,
                                                       "urgent_response_business_days": 2}})


def test_public_paths_take_a_token_and_private_ones_a_request_id():
    assert MENTORSHIP_PATHS["confirm"].format(token="t") == "/mentorship/confirm/t"
    assert MENTORSHIP_PATHS["status"].format(token="t") == "/mentorship/status/t"
    for name in ("accept", "decline", "complete", "manage"):
        assert "{request_id}" in MENTORSHIP_PATHS[name]
