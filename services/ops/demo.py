"""Demo data for a first start of the system (`niot run`, `niot demo-data`).

Fictional people only: 50 leaders spread over every federal region, applications in
every state of their lifecycle, the NIOT films, screenings past and future with RSVPs,
materials orders (open and sent) and reports, mentorship requests in every state of theirs
(one re-offered after it was handed to the managers), an urgent request (rapid response),
and the whole resource library.

What is happening now goes through the running services over RPC, exactly as the
gateway would, so every event and mail follows. History (screenings that took place,
mentorships that ran their course) cannot be created through the services, which refuse
dates in the past; it is written through each service's own use-case code with the
time it happened, and nothing is announced for it: no one should get mail today about
a screening held in March.
"""
from __future__ import annotations

import itertools
import random
import string
import time
from datetime import datetime, timedelta, timezone

from nameko.standalone.rpc import ClusterRpcClient

from services.leaders.domain.learning import answer_key
from services.runtime import places

from .demo_history import DEMO_MANAGER_ID, History, email_for
from .demo_mentorship import MentorshipDemo

FIRST_NAMES = [
    "Maria", "James", "Aisha", "Robert", "Mei", "Daniel", "Priya", "Carlos", "Grace", "Samuel",
    "Fatima", "Thomas", "Keiko", "Marcus", "Elena", "David", "Nadia", "Joseph", "Rosa", "Michael",
    "Leilani", "Andre", "Hannah", "Luis", "Amina",
]
LAST_NAMES = [
    "Alvarez", "Bennett", "Chen", "Delgado", "Edwards", "Foster", "Garcia", "Hassan", "Ito", "Jackson",
    "Kowalski", "Lopez", "Mitchell", "Nguyen", "Okafor", "Patel", "Quinn", "Rivera", "Singh", "Thompson",
    "Usman", "Vasquez", "Washington", "Yamamoto", "Zimmerman",
]
TITLES = ["Sergeant", "Lieutenant", "Captain", "Detective", "Deputy Chief", "Chief of Police",
          "Assistant District Attorney", "Community Liaison Officer", "Sheriff", "Trooper"]
EXPERTISE = ["hate-crime-investigation", "prosecution", "community-policing", "school-safety", "lgbtq-liaison",
             "immigrant-communities", "victim-services", "faith-communities", "bias-incident-reporting",
             "youth-outreach", "police-training"]
MENTORING_MODULES = ("mentoring-peers", "responding-to-requests")
ALL_MODULES = MENTORING_MODULES + ("hosting-a-screening", "facilitating-discussion", "recognising-hate-crimes")
MANAGER = {"role": "manager"}
DEMO_MANAGER = {"role": "manager", "account_id": DEMO_MANAGER_ID}  # services.contracts.rpc.common.Actor
FEEDBACK_COMMENTS = {
    5: ("The discussion after the film was the best part: officers and neighbours talking as equals.",
        "I did not know how to report a hate incident before tonight. Now I do.",
        "Please bring this to our high school."),
    4: ("Moving film. The discussion could have been longer.", "Good questions from the audience."),
    3: ("Worth it, but the room was hard to hear in.",),
    2: ("The film did not play for the first ten minutes.",),
}


def load_if_empty(cfg: dict, *, force: bool = False) -> bool:
    """Load the demo data unless the roster already has leaders (or `force`)."""
    with ClusterRpcClient(uri=cfg["AMQP_URI"], timeout=60) as rpc:
        if not force and rpc.leaders.program_settings()["active_leaders"] > 0:
            return False
        Demo(cfg, rpc).load()
    return True


def _postal_code(state: str, number: int) -> str | None:
    """A real ZIP code in the leader's state, from the offline ZIP data (its own random
    choice, so the rest of the demo data stays as it was)."""
    codes = places.zip_codes_in(state)
    return random.Random(f"{state}-{number}").choice(codes) if codes else None


class Demo(MentorshipDemo):
    def __init__(self, cfg: dict, rpc, *, seed: int = 2012):
        self.cfg = cfg
        self.rpc = rpc
        self.random = random.Random(seed)
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self.people = _people(self.random)

    def load(self) -> None:
        leaders = self.leaders()
        self.applications_in_every_state()
        self.wait_for_screenings_to_know(leaders)
        self.partners(leaders)
        self.upcoming_screenings(leaders)
        self.past_screenings(leaders)
        self.mentorship_history(leaders)
        self.mentorship_requests_now()
        self.full_library()
        self.rapid_response()
        self.reoffered_request()

    # --- the resource library ----------------------------------------------------------

    def full_library(self) -> None:
        """Every entry of the resource library in public view. The screenings service adds
        the program's publications on its start; demo data loaded again into a running
        system brings back any entry a manager retired meanwhile."""
        rpc = self.rpc
        page, pages = 1, 1
        while page <= pages:
            found = rpc.screenings.search_resources({"include_retired": True, "page": page, "page_size": 100},
                                                    actor=DEMO_MANAGER)
            for entry in found["items"]:
                if entry["retired"]:
                    rpc.screenings.reinstate_resource(DEMO_MANAGER, entry["id"])
            page, pages = page + 1, found["pages"]

    # --- partners ----------------------------------------------------------------------

    def partners(self, leaders: list[dict]) -> None:
        """Complete records for the partners the demo screenings name in the first hosts'
        states (the others become records to complete when the screenings name them),
        and a few more that no event named yet."""
        rpc = self.rpc
        done: set[str] = set()
        for number, leader in enumerate(leaders[:45]):
            state = leader["state"]
            if state in done or number % 3 == 2:
                continue
            done.add(state)
            code = _postal_code(state, 2000 + number)
            place = places.zip_place(code)
            city = (place.city if place else "") or "Springfield"
            for name, kind, role, site in (
                ("Interfaith Council", "faith_group", "Coordinator", "https://interfaith.example.org"),
                ("Lincoln High School", "school", "Principal", None),
                (f"{city} Human Relations Commission", "agency", "Executive director", None),
            ):
                if rpc.screenings.search_partners({"state": state, "text": name})["total"]:
                    continue  # demo data loaded again
                rpc.screenings.add_partner(DEMO_MANAGER, {
                    "name": name, "kind": kind, "city": city, "state": state, "contact_role": role,
                    "postal_code": code if place else None, "website": site})

    # --- the roster ------------------------------------------------------------------

    def leaders(self) -> list[dict]:
        rpc = self.rpc
        created = []
        for region in rpc.leaders.regions("federal")["regions"]:
            states = [state["code"] for state in region["states"]]
            for index in range(5):
                created.append(self._approved_leader(states[index % len(states)]))
        for number, leader in enumerate(created):
            rpc.leaders.update_leader(leader["id"], {
                "expertise": self.random.sample(EXPERTISE, k=self.random.randint(1, 3)),
                "bio": _bio(leader, self.random),
                "max_mentees": self.random.choice([1, 2, 3, 3, 4]),
                "trusted_host": number % 3 == 0,
                "postal_code": _postal_code(leader["state"], number),
            })
            modules = ALL_MODULES if number % 5 else ALL_MODULES[2:]  # every fifth is not trained to mentor
            # Two to five modules passed, differently in each region (its own seed: the rest
            # of the demo data draws the same numbers as before).
            for module in modules[: 2 + random.Random(f"training-{number}").randint(0, 3)]:
                if number % 6 == 1:  # failed the check at first, passed on the second try
                    rpc.leaders.submit_training_answers(leader["id"], module, _failing_answers(module))
                rpc.leaders.submit_training_answers(leader["id"], module, answer_key(module))
            if number % 11 == 7:
                rpc.leaders.set_availability(leader["id"], (self.now + timedelta(days=21)).date().isoformat())
        return created

    def _approved_leader(self, state: str) -> dict:
        application = self.rpc.leaders.submit_application(self._application(state))["application"]
        return self.rpc.leaders.approve_application(application["id"], confirm_over_target=True,
                                                    actor=DEMO_MANAGER)["leader"]

    def _application(self, state: str) -> dict:
        name = next(self.people)
        agency = f"{self.random.choice(['City', 'County', 'Metro', 'State'])} of {state} " \
                 f"{self.random.choice(['Police Department', 'Sheriff’s Office', 'District Attorney'])}"
        return {
            "name": name, "email": email_for(name), "agency": agency, "title": self.random.choice(TITLES),
            "state": state, "phone": f"+1202555{self.random.randint(1000, 9999)}",
            "why": "I want to help colleagues recognise and report hate crimes and build trust with the "
                   "communities we serve.",
            "experience": "Years of community policing and work with local faith and civic groups.",
            "reference": {"name": next(self.people), "contact": "+12025550100"},
        }

    def applications_in_every_state(self) -> None:
        rpc = self.rpc
        states = ["OH", "TX", "WA", "GA", "NM", "ME", "IA", "PR"]
        ids = [rpc.leaders.submit_application(self._application(state))["application"]["id"] for state in states]
        rpc.leaders.waitlist_application(ids[2], actor=DEMO_MANAGER)
        rpc.leaders.waitlist_application(ids[3], actor=DEMO_MANAGER)
        rpc.leaders.decline_application(ids[4], reason="The agency asked us to wait until the new chief starts.",
                                        actor=DEMO_MANAGER)
        rpc.leaders.decline_application(ids[5], actor=DEMO_MANAGER)  # no reason given, none invented

    def wait_for_screenings_to_know(self, leaders: list[dict], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for leader in leaders:
            while True:
                try:
                    self.rpc.screenings.projected_leader(leader["id"])
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the screenings service did not learn of the new leaders in time")
                    time.sleep(0.2)

    # --- screenings --------------------------------------------------------------------

    def _details(self, leader: dict, start_local: datetime, *, number: int) -> dict:
        from services.screenings.domain.zones import STATE_TIME_ZONES
        from services.screenings.films import FILMS

        film = FILMS[number % len(FILMS)].slug if number % 4 else None
        fmt = ["community_screening", "roll_call", "academy", "school_program"][number % 4]
        details = {
            "kind": "film_screening" if film else "guided_discussion",
            "format": fmt,
            "time_zone": STATE_TIME_ZONES[leader["state"]][0],
            "start": start_local.strftime("%Y-%m-%dT%H:%M"),
            "end": (start_local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": [40, 80, 25, 120][number % 4],
            "audiences": [["general_public"], ["law_enforcement"], ["law_enforcement"], ["students", "educators"]][
                number % 4],
            "partners": [["Interfaith Council"], [], [], ["Lincoln High School"]][number % 4],
        }
        if film:
            details["film"] = film
        else:
            details["title"] = "Guided discussion: responding to bias incidents together"
        if number % 7 == 3:
            details["join_url"] = "https://meet.example.org/niot-discussion"
            details["state"] = leader["state"]
        else:
            code = _postal_code(leader["state"], 1000 + number)
            place = places.zip_place(code)
            details["venue"] = {"name": ["Public Library", "Police Academy", "Community Center", "High School"][
                number % 4], "address": f"{100 + number} Main Street", "city": place.city if place else "Springfield",
                "state": leader["state"], **({"postal_code": code} if code else {})}
        return details

    def upcoming_screenings(self, leaders: list[dict]) -> None:
        rpc = self.rpc
        for number, leader in enumerate(leaders[:40]):
            day = (self.now + timedelta(days=5 + number * 2)).date()
            start = datetime(day.year, day.month, day.day, 18, 30)
            actor = {"role": "leader", "leader_id": leader["id"]}
            screening = rpc.screenings.register_screening(actor, leader["id"], self._details(leader, start,
                                                                                             number=number))
            if screening["status"] == "submitted" and number % 6 != 1:  # a few wait for review
                rpc.screenings.approve_screening(MANAGER, screening["id"])
            if screening["status"] != "submitted" or number % 6 != 1:
                for _ in range(self.random.randint(0, 12)):
                    name = next(self.people)
                    rpc.screenings.rsvp(screening["id"], name, email_for(name, domain="example.com"))
            if number % 4 == 1:  # some hosts ordered their kit (the first one late); a manager sent some
                self.materials_order(actor, leader, screening, number, sent=number % 8 == 5)

    def materials_order(self, actor: dict, leader: dict, screening: dict, number: int, *, sent: bool) -> None:
        rpc = self.rpc
        has_film = bool(screening.get("film"))
        order = {"medium": "dvd" if has_film and number % 3 else "usb_drive",
                 "guide_copies": screening["capacity"] if has_film else 0, "flyer_copies": 25,
                 "ship_to": "\n".join((leader["name"], leader.get("agency") or "Police Department",
                                        f"{200 + number} Main Street", screening.get("state") or leader["state"]))}
        placed = rpc.screenings.order_materials(actor, screening["id"], order)
        if sent:
            rpc.screenings.mark_materials_sent(MANAGER, placed["order"]["id"],
                                               tracking_note=f"UPS 1Z999AA1{number:08d}")

    def past_screenings(self, leaders: list[dict]) -> None:
        from services.contracts.rpc.common import Actor
        from services.screenings.app import registering, reports, rsvps
        from services.screenings.app.timers import COMPLETE, timer_handlers
        from services.screenings.repository import ScreeningsUnitOfWork
        from services.screenings.settings import from_config

        settings = from_config(self.cfg)
        with History(self.cfg, "screenings") as record:
            for number, leader in enumerate(leaders[10:45]):
                day = (self.now - timedelta(days=20 + number * 5)).date()
                start = datetime(day.year, day.month, day.day, 18, 30)
                registered_at = self.now - timedelta(days=40 + number * 5)
                host = Actor(role="leader", leader_id=leader["id"])

                def create(session, number=number, leader=leader, start=start, registered_at=registered_at,
                           host=host):
                    uow = ScreeningsUnitOfWork(session)
                    view = registering.register_screening(
                        uow, host, leader["id"], self._details(leader, start, number=number), now=registered_at,
                        settings=settings)
                    if view["status"] == "submitted":
                        registering.approve_screening(uow, Actor(role="manager"), view["id"],
                                                      now=registered_at + timedelta(days=1), settings=settings)
                    seats = []
                    for _ in range(self.random.randint(5, 30)):
                        name = next(self.people)
                        seats.append(rsvps.rsvp(uow, view["id"], name, email_for(name, domain="example.com"),
                                                now=registered_at + timedelta(days=2), settings=settings))
                    ended = start.replace(tzinfo=timezone.utc) + timedelta(hours=12)
                    timer_handlers(settings)[COMPLETE](uow, {"screening_id": view["id"]}, ended)
                    self._feedback(uow, seats, ended)
                    if number % 5:  # most hosts filed their report; the rest are being chased
                        reports.file_report(uow, host, view["id"], {
                            "head_count": self.random.randint(12, 90),
                            "partners": ["Interfaith Council"] if number % 2 else [],
                            "audiences": ["general_public", "law_enforcement"] if number % 3 else ["students"],
                            "follow_up_actions": ["Plan a second screening with the school district"],
                            "notes": "Good discussion about reporting bias incidents.",
                        }, now=ended + timedelta(days=2), settings=settings)

                record(create)

    def _feedback(self, uow, seats: list[dict], ended: datetime) -> None:
        """About half the attendees of a past event rated it, a few with a comment."""
        from services.screenings.app import reports

        for seat in seats:
            if seat["status"] != "confirmed" or not seat.get("cancel_path") or self.random.random() < 0.5:
                continue
            rating = self.random.choice((5, 5, 5, 4, 4, 4, 3, 2))
            comment = self.random.choice(FEEDBACK_COMMENTS[rating]) if self.random.random() < 0.4 else None
            token = seat["cancel_path"].split("token=")[1]
            reports.give_feedback(uow, seat["rsvp_id"], token, rating, comment,
                                  now=ended + timedelta(hours=self.random.randint(3, 72)))


# --- helpers ---------------------------------------------------------------------------


def _people(rng: random.Random):
    """Fictional names without end: every first and last name pair, then again with a
    middle initial, and so on, so that no two people share an address."""
    pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    initials = itertools.chain([""], (f" {letter}." for letter in string.ascii_uppercase),
                               (f" {a}{b}." for a in string.ascii_uppercase for b in string.ascii_uppercase))
    for initial in initials:
        rng.shuffle(pairs)
        for first, last in pairs:
            yield f"{first}{initial} {last}"


def _failing_answers(module: str) -> dict[str, str]:
    """The module's check with its first two questions answered wrongly: below the pass mark."""
    answers = answer_key(module)
    for question in list(answers)[:2]:
        answers[question] = "a" if answers[question] != "a" else "b"
    return answers


def _bio(leader: dict, rng: random.Random) -> str:
    return (f"{leader['title']} with the {leader['agency']}. Hosts screenings of Not In Our Town films "
            f"and works with local partners on recognising and reporting hate crimes.")
