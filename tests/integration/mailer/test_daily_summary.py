"""The managers' daily summary over the real broker: two mailer instances, the leaders
and screenings services answering its checked calls; at the local hour one summary per
manager goes out over SMTP, read by a strict parser, listing the new application."""
from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import eventlet
from nameko.standalone.rpc import ClusterRpcClient

from services.leaders.service import LeadersService
from services.mailer.app.daily_summary import next_summary_at
from services.mailer.service import MailerService
from services.mailer.settings import from_config
from services.runtime import clock
from services.screenings.service import ScreeningsService

from ..kit.helpers import wait_for
from ..leaders.conftest import application


def test_one_summary_at_the_hour_lists_the_new_application(service_config, mailer_config, container_factory,
                                                           smtp_server):
    clock.reset()
    try:
        for service, config in ((LeadersService, service_config("leaders")),
                                (ScreeningsService, service_config("screenings"))):
            container_factory(service, config).start()
        for _ in range(2):  # two instances of the mailer, one database
            container_factory(MailerService, mailer_config).start()
        with ClusterRpcClient(uri=mailer_config["AMQP_URI"], timeout=30) as rpc:
            rpc.leaders.submit_application(application(name="Jordan Avery"))
        wait_for(lambda: len(smtp_server.messages) >= 1, timeout=20)  # the applicant's receipt

        due = next_summary_at(clock.now(), from_config(mailer_config))
        clock.advance(due - clock.now() + timedelta(minutes=1))

        def summaries():
            found = [email.message_from_bytes(m.data, policy=email.policy.strict) for m in smtp_server.messages]
            return [m for m in found if str(m["Subject"]).startswith("What needs you today")]

        wait_for(lambda: summaries(), timeout=30)
        eventlet.sleep(1.5)  # several more ticks of both instances
        [summary] = summaries()  # one manager address configured: one mail, whatever the instances
        assert str(summary["Subject"]) == "What needs you today: 1 new application"
        assert summary["To"].addresses[0].addr_spec == "programs@niot.example.org"
        assert all(part.defects == [] for part in summary.walk())
        assert "Jordan Avery" in summary.get_body(("plain",)).get_content()
    finally:
        clock.reset()
