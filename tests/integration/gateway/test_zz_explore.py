import json
from nameko.standalone.rpc import ClusterRpcClient
from .test_api import register_when_projected

def test_explore(stack):
    a = stack.leader_ids["a"]
    s = register_when_projected(stack.clients["a"], a)
    stack.manager.post(f"/api/screenings/{s['id']}/approve")
    with ClusterRpcClient(uri=stack.config["AMQP_URI"]) as rpc:
        sub = rpc.leaders.submit_request({"name": "Pat", "agency": "X PD", "role": "Officer", "email": "pat@x.gov", "state": "GA", "topic": "community-policing", "description": "help", "urgency": "normal"})
        print("SUBMIT", json.dumps(sub, default=str)[:1500])
        print("TAGS", rpc.leaders.expertise_tags())
        print("CL", json.dumps(rpc.leaders.coverage_leaders(), default=str)[:2500])
        print("CM", json.dumps(rpc.leaders.coverage_mentorship(), default=str)[:2500])
        print("CS", json.dumps(rpc.screenings.coverage_screenings(), default=str)[:2500])
        print("LR", json.dumps(rpc.leaders.list_requests(), default=str)[:1500])
        print("LEADREQ", json.dumps(rpc.leaders.leader_requests(a), default=str)[:1500])
    assert 0
