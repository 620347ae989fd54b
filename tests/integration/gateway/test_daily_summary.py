"""The managers' daily summary over the real broker: at the local hour the mailer's timer
says it is due, the gateway asks the leaders and screenings services what needs the
managers and hands it back, and each manager gets one mail, read by a strict parser,
listing the new application."""
from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import eventlet

from services.runtime import clock
from tests.integration.kit.helpers import count, wait_for

from .conftest import APPLICATION

STRICT = email.policy.default.clone(raise_on_defect=True)


def test_one_summary_at_the_hour_lists_the_new_application(full_stack):
    stack = full_stack
    public = stack.browser(stack.base_url)
    body = {**APPLICATION, "name": "Jordan Avery", "email": "jordan.avery@salem.example.gov"}
    assert public.post("/api/applications", json=body).status_code == 202
    mailer_db = stack.config["DB_URIS"]["mailer"]
    wait_for(lambda: count(mailer_db, "SELECT count(*) FROM scheduled_jobs WHERE kind = 'managers_daily_summary' "
                                      "AND done_at IS NULL") == 1, timeout=30)
    clock.advance(timedelta(days=1, hours=1))  # past the next summary hour on the program's clock

    def summaries():
        found = [email.message_from_bytes(m.data, policy=STRICT) for m in stack.smtp_server.messages]
        return [m for m in found if str(m["Subject"]).startswith("What needs you today")]

    wait_for(lambda: summaries(), timeout=60, interval=0.3)
    eventlet.sleep(1.5)  # several more ticks
    [summary] = summaries()  # one manager address configured: one mail
    assert str(summary["Subject"]) == "What needs you today: 1 new application"
    assert summary["To"].addresses[0].addr_spec == "programs@niot.example.org"
    assert all(part.defects == [] for part in summary.walk())
    assert "Jordan Avery" in summary.get_body(("plain",)).get_content()
    assert count(mailer_db, "SELECT count(*) FROM outbox WHERE type = 'managers_summary_due'") == 1
