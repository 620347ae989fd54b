"""The weekly digest over the real broker: the mailer's timer says it is due, the gateway
gathers every region's figures from the leaders and screenings services and hands them
back, and the program managers get one digest each, read by a strict mail parser."""
from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from services.runtime import clock
from tests.integration.kit.helpers import count, wait_for

from .test_api import register_when_projected

STRICT = email.policy.default.clone(raise_on_defect=True)


def test_the_digest_shows_each_region_against_its_target_and_the_gaps(full_stack):
    stack = full_stack
    register_when_projected(stack.clients["a"], stack.leader_ids["a"])
    mailer_db = stack.config["DB_URIS"]["mailer"]
    wait_for(lambda: count(mailer_db, "SELECT count(*) FROM scheduled_jobs WHERE kind = 'coverage_digest'") == 1,
             timeout=30)
    clock.advance(timedelta(days=8))  # past next Monday 08:00 on the program's clock

    def digests():
        found = []
        for received in stack.smtp_server.messages:
            parsed = email.message_from_bytes(received.data, policy=STRICT)
            if parsed["Subject"].startswith("Network activity for the week"):
                found.append(parsed)
        return found

    wait_for(lambda: digests(), timeout=60, interval=0.3)
    wait_for(lambda: count(mailer_db, "SELECT count(*) FROM messages WHERE template = 'coverage_digest'") >= 1)
    [digest] = digests()
    for part in digest.walk():
        assert part.defects == []
    text = digest.get_body(("plain",)).get_content()
    assert "Regions against their targets" in text and "Region 4" in text
    assert "Leaders:" in text and " of " in text
    assert "no screening held in 8 weeks" in text.split("Gaps")[1]
    assert count(mailer_db, "SELECT count(*) FROM outbox WHERE type = 'coverage_digest_due'") == 1
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
