"""The demo data loads into the real services and leaves every lifecycle represented."""
from __future__ import annotations

from collections import Counter

from nameko.standalone.rpc import ClusterRpcClient

from services.ops.demo import DEMO_MANAGER, Demo, load_if_empty
from services.leaders.service import LeadersService
from services.screenings.library.seed import SEED
from services.screenings.service import ScreeningsService


def test_demo_data_fills_every_region_and_state_once(service_config, runner_factory):
    config = service_config("leaders", "screenings")
    runner = runner_factory(config, LeadersService, ScreeningsService)
    runner.start()

    assert load_if_empty(config) is True
    assert load_if_empty(config) is False  # a second start leaves the data alone

    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=30) as rpc:
        coverage = rpc.leaders.coverage_leaders()
        regions = coverage["regions"]
        assert len(regions) == 10 and all(r["active_leaders"] >= 5 for r in regions)

        training = rpc.leaders.training_progress()["totals"]  # some leaders finished, others are part-way
        assert 0 < training["all_modules"] < training["mentoring_ready"] < training["active_leaders"]
        assert len({r["all_modules"] for r in rpc.leaders.training_progress()["regions"]}) > 1

        applications = Counter(a["status"] for a in rpc.leaders.list_applications(limit=100)["applications"])
        assert {"approved", "pending", "waitlisted", "declined"} <= set(applications)

        screenings = rpc.screenings.search_screenings({"page_size": 100}, {"role": "manager"})["items"]
        assert {"scheduled", "submitted"} <= {s["status"] for s in screenings}
        past = rpc.screenings.search_screenings({"status": "completed", "page_size": 100})["items"]
        assert len(past) >= 20
        orders = rpc.screenings.list_material_orders({"role": "manager"}, state="all", limit=100)["items"]
        assert {"open", "sent"} <= {o["state"] for o in orders}

        # Partners with a place, complete ones and ones to complete, named on events; feedback on past events.
        partners = rpc.screenings.search_partners({"page_size": 200})["items"]
        assert {"faith_group", "school", "agency", "other"} <= {p["kind"] for p in partners}
        assert len({p["state"] for p in partners}) >= 10 and not any("@" in (p["contact_role"] or "") for p in partners)
        assert any(rpc.screenings.screening_partners(s["id"]) for s in past)
        feedback = rpc.screenings.feedback_summary({"role": "manager"}, "2000-01-01T00:00:00+00:00",
                                                   "2100-01-01T00:00:00+00:00")
        assert feedback["overall"]["count"] >= 50 and len(feedback["by_region"]) >= 5 and feedback["latest_comments"]

        states = Counter(r["state"] for r in rpc.leaders.list_requests(limit=100)["requests"])
        assert {"unconfirmed", "offered", "accepted", "completed", "closed_unanswered"} <= set(states)
        # One request was handed to the managers when nobody was free, then offered again.
        trails = [rpc.leaders.get_request(r["id"])["audit"] for r in rpc.leaders.list_requests(limit=100)["requests"]]
        assert any([a["action"] for a in trail][-2:] == ["escalate", "offer"] for trail in trails)

        # Rapid response: an urgent request offered at once to the three nearest leaders.
        urgent = rpc.leaders.list_urgent_requests()
        assert [(u["state"], u["postal_code"], len(u["offers"])) for u in urgent] == [("offered", "45202", 3)]
        miles = [o["miles"] for o in urgent[0]["offers"]]
        assert miles == sorted(miles)

        # The whole resource library is in view; demo data loaded again brings back a retired entry.
        assert rpc.screenings.search_resources({"page_size": 1})["total"] == len(SEED)
        rpc.screenings.retire_resource(DEMO_MANAGER, 1)
        assert rpc.screenings.search_resources({"page_size": 1})["total"] == len(SEED) - 1
        Demo(config, rpc).full_library()
        assert rpc.screenings.search_resources({"page_size": 1})["total"] == len(SEED)
