"""Demo data for mentorship: requests that ran their course, live ones, an urgent request
(rapid response) and one re-offered after it was handed to the managers. A part of
`services.ops.demo.Demo` (its `cfg`, `rpc`, `now` and `people`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from .demo_history import DEMO_MANAGER_ID, History, email_for


class MentorshipDemo:
    # --- mentorship ----------------------------------------------------------------------

    def _request(self, state: str, topic: str, *, urgent: bool = False) -> dict:
        name = next(self.people)
        return {
            "requester_name": name, "agency": f"{state} Highway Patrol", "role": "Patrol officer",
            "email": email_for(name, domain="agency.example.gov"), "state": state, "topic": topic,
            "description": "We had a string of vandalism at a mosque and want to make sure we investigate and "
                           "report it correctly, and talk with the community in the right way.",
            "urgency": "urgent" if urgent else "normal",
        }

    def mentorship_history(self, leaders: list[dict]) -> None:
        """Requests that ran their course: completed, declined and re-offered, expired, closed."""
        from services.contracts.rpc.common import Actor
        from services.leaders.mentorship.app import leader, manager, requester
        from services.leaders.mentorship.app.store import OFFER_EXPIRY
        from services.leaders.mentorship.app.timers import timer_handlers
        from services.leaders.settings import from_config

        settings = from_config(self.cfg)
        demo_manager = Actor(role="manager", account_id=DEMO_MANAGER_ID)
        with History(self.cfg, "leaders") as record:
            for number, (state, topic) in enumerate([("CA", "hate-crime-investigation"), ("NY", "prosecution"),
                                                     ("IL", "community-policing"), ("TX", "school-safety"),
                                                     ("FL", "victim-services"), ("WA", "lgbtq-liaison")]):
                asked = self.now - timedelta(days=120 - number * 12)

                def run(session, state=state, topic=topic, asked=asked, number=number):
                    links: dict = {}
                    uow = _mentorship_uow(session, links)
                    request_id = requester.submit_request(uow, self._request(state, topic), now=asked)["id"]
                    requester.confirm_request(uow, links["confirm"], now=asked + timedelta(hours=1),
                                              settings=settings)
                    offer = self._pending_offer(session, request_id)
                    if offer is None:
                        return
                    if number == 4:  # nobody answered in time: it expired and moved on
                        timer_handlers(settings)[OFFER_EXPIRY](
                            uow, {"request_id": request_id, "attempt": offer["attempt"]},
                            datetime.fromisoformat(offer["deadline"]) + timedelta(minutes=1))
                        return
                    if number == 5:
                        manager.close_unanswered(uow, request_id, demo_manager,
                                                 note="The requester found help locally.",
                                                 now=asked + timedelta(days=3))
                        return
                    if number == 3:
                        leader.decline_offer(uow, request_id, offer["leader_id"], reason="On leave this month.",
                                             now=asked + timedelta(hours=5), settings=settings)
                        offer = self._pending_offer(session, request_id)
                        if offer is None:
                            return
                    leader.accept_offer(uow, request_id, offer["leader_id"], now=asked + timedelta(hours=20),
                                        settings=settings)
                    if number < 3:
                        leader.complete_mentorship(
                            uow, request_id, offer["leader_id"],
                            "Walked through the reporting checklist and joined a community meeting together.",
                            now=asked + timedelta(days=30), settings=settings)

                record(run)

    def _pending_offer(self, session, request_id: int) -> dict | None:
        from services.leaders.mentorship import views

        offers = views.get_request(session, request_id, now=self.now)["offers"]
        pending = [offer for offer in offers if offer["state"] == "pending"]
        return pending[-1] if pending else None

    def mentorship_requests_now(self) -> None:
        """Live requests: one waiting for its requester to confirm, others offered now."""
        rpc = self.rpc
        rpc.leaders.submit_request(self._request("OR", "bias-incident-reporting"))
        from services.leaders.mentorship.app import requester

        for state, topic, urgent in [("MI", "immigrant-communities", False), ("GA", "faith-communities", True)]:
            links: dict = {}
            # The confirmation link travels only in the requester's mail; a demo requester
            # "clicks" it through the same code path, capturing the token on the way.
            with History(self.cfg, "leaders", announce=True) as record:
                def submit(session, state=state, topic=topic, urgent=urgent):
                    requester.submit_request(_mentorship_uow(session, links),
                                             self._request(state, topic, urgent=urgent), now=self.now)

                record(submit)
            rpc.leaders.confirm_request(links["confirm"])


    # --- rapid response and re-offer ------------------------------------------------------

    def rapid_response(self) -> None:
        """An urgent request after an incident in Cincinnati, offered at once to the three
        nearest leaders wherever their state is (their mails are in var/mail/)."""
        name = next(self.people)
        self.rpc.leaders.file_urgent_request({
            "requester_name": name, "organisation": "Cincinnati Police Department", "role": "officer",
            "email": email_for(name, domain="cincinnati-oh.example.gov"), "phone": "(513) 555-0142",
            "postal_code": "45202",
            "what_happened": "Antisemitic graffiti was painted on a synagogue and two homes overnight; the "
                             "congregation holds a vigil tonight and families are frightened.",
            "help_needed": "Advice on speaking at the vigil, on working with the congregation, and on "
                           "recording this as a hate crime."})

    def reoffered_request(self) -> None:
        """A request no leader was free for three days ago (handed to the managers), offered
        again now that one is: its trail shows both."""
        from services.leaders.mentorship.app import requester
        from services.leaders.mentorship.app.reoffer import reoffer_handed_over
        from services.leaders.settings import from_config

        settings, links = from_config(self.cfg), {}
        asked = self.now - timedelta(days=3)
        with History(self.cfg, "leaders", announce=True) as record:
            def run(session):
                nobody_free = _mentorship_uow(session, links)
                nobody_free.mentors.candidates = lambda *args, **kwargs: []
                requester.submit_request(nobody_free, self._request("NM", "community-policing"), now=asked)
                requester.confirm_request(nobody_free, links["confirm"], now=asked, settings=settings)
                reoffer_handed_over(_mentorship_uow(session, links), {}, self.now, settings=settings)

            record(run)


def _mentorship_uow(session, links: dict):
    """The leaders service's unit of work on `session`, noting on the way the confirmation
    token that a requester's mail would carry."""
    from services.leaders.mentorship.repository import MentorshipUnitOfWork

    class Capturing(MentorshipUnitOfWork):
        def publish(self, payload) -> None:
            path = getattr(payload, "confirm_path", None)
            if path:
                links["confirm"] = path.rstrip("/").rsplit("/", 1)[-1]
            super().publish(payload)

    return Capturing(session, "leaders")
