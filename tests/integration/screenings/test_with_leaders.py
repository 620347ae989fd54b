"""The projection fed by the real leaders service (issue 3's cross-service check)."""
from __future__ import annotations

import sqlalchemy as sa

from services.leaders.service import LeadersService
from services.screenings.service import ScreeningsService

from tests.integration.kit.helpers import create_tables, wait_for

from .conftest import Harness, Mailbox, details, mailbox_metadata

APPLICATION = {
    "name": "Maria Lopez", "email": "maria.lopez@oakcreekpd.gov", "phone": "414-555-0134",
    "agency": "Oak Creek Police Department", "title": "Lieutenant", "state": "WI",
    "why": "After the temple shooting our department rebuilt trust with the Sikh community.",
    "experience": "Twelve years in community policing; led the department's hate crime unit.",
    "reference": {"name": "Chief John Edwards", "contact": "jedwards@oakcreekpd.gov"},
}


def test_an_approval_produces_exactly_one_application_approved_event_and_the_projection_reflects_it(
        service_config, container_factory):
    config = service_config("leaders", "screenings", "mailer")
    create_tables(config["DB_URIS"]["mailer"], mailbox_metadata)
    for cls in (LeadersService, Mailbox, ScreeningsService):
        container_factory(cls, config).start()
    harness = Harness(config)
    try:
        with harness.rpc() as client:
            submitted = client.leaders.submit_application(APPLICATION)["application"]
            decision = client.leaders.approve_application(submitted["id"])
            leader_id = decision["leader"]["id"]
            wait_for(lambda: harness.scalar("SELECT count(*) FROM leaders WHERE leader_id = :i", i=leader_id) == 1)
            harness.wait_for_mail("application_approved", 1)
            projected = client.screenings.projected_leader(leader_id)
            assert projected["name"] == "Maria Lopez" and projected["status"] == "active"
            assert projected["state"] == "WI"
            # The projection makes the new leader a valid host at once.
            view = client.screenings.register_screening(
                {"role": "leader", "leader_id": leader_id}, leader_id,
                details(venue={"name": "Oak Creek Library", "address": "8040 S 6th St", "city": "Oak Creek",
                               "state": "WI"}))
            assert view["status"] in ("submitted", "scheduled") and view["region"] == projected["region"]
        with harness.engine(config["DB_URIS"]["leaders"]).connect() as conn:
            published = conn.execute(sa.text(
                "SELECT count(*) FROM outbox WHERE type = 'application_approved'")).scalar()
        assert published == 1
        assert len(harness.mail("application_approved")) == 1
        assert harness.scalar("SELECT count(*) FROM processed_events WHERE consumer LIKE '%application_approved'") == 1
    finally:
        harness.close()

