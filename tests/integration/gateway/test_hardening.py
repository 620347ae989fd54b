"""Hostile and unusual input through real HTTP: a clear 4xx, never a 500, nothing raw in a
calendar; and the headers every response carries."""
from __future__ import annotations

import json

import requests

from .conftest import APPLICATION


def raw_post(base_url: str, path: str, body: bytes, **headers) -> requests.Response:
    return requests.post(base_url + path, data=body, timeout=30,
                         headers={"Content-Type": "application/json", **headers})


def test_deeply_nested_json_is_a_400_on_any_json_route(stack):
    deep = b"[" * 1000 + b"]" * 1000
    for path in ("/api/applications", "/api/session"):
        response = raw_post(stack.base_url, path, deep)
        assert response.status_code == 400, response.text
        assert "nested" in response.json()["message"]
    leader = stack.clients["a"]
    response = leader.request("PATCH", f"/api/leaders/{stack.leader_ids['a']}", data=b'{"bio": ' + deep + b"}",
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text


def test_a_lone_surrogate_or_a_control_character_is_a_422_naming_the_field(stack):
    body = json.dumps({**APPLICATION, "email": "surrogate@pd.example.gov", "agency": "Metro \ud800 PD"})
    response = raw_post(stack.base_url, "/api/applications", body.encode())
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "agency"
    body = json.dumps({**APPLICATION, "email": "control@pd.example.gov",
                       "reference": {"name": "Chief\x00", "contact": "x@pd.example.gov"}})
    response = raw_post(stack.base_url, "/api/applications", body.encode())
    assert response.status_code == 422 and response.json()["field"] == "reference.name"
    leader = stack.clients["a"]
    bio = leader.request("PATCH", f"/api/leaders/{stack.leader_ids['a']}",
                         data=b'{"bio": "hi \\udfff"}', headers={"Content-Type": "application/json"})
    assert bio.status_code == 422 and bio.json()["field"] == "bio"
    # Free text keeps its line breaks.
    kept = leader.request("PATCH", f"/api/leaders/{stack.leader_ids['a']}", json={"bio": "One.\r\nTwo.\tThree."})
    assert kept.status_code == 200, kept.text


def test_a_region_feed_id_with_a_newline_or_cr_names_no_feed(stack):
    assert requests.get(stack.base_url + "/feeds/regions/region-5/screenings.ics", timeout=30).status_code == 200
    for bad in ("region-5%0A", "region-5%0DBEGIN:VEVENT", "region-5%0D%0AX:1"):
        response = requests.get(stack.base_url + f"/feeds/regions/{bad}/screenings.ics", timeout=30)
        assert response.status_code in (404, 422), (bad, response.status_code)
        assert "BEGIN:VEVENT" not in response.text
    # Past the gateway too: the service itself refuses anything but a region slug.
    for bad in ("region 5", "region-5;X", "region-5:"):
        response = requests.get(stack.base_url + f"/feeds/regions/{bad}/screenings.ics", timeout=30)
        assert response.status_code == 422, (bad, response.status_code)


def test_a_chunked_body_is_read_not_taken_as_empty(stack):
    leader = stack.clients["a"]
    path = f"/api/leaders/{stack.leader_ids['a']}"

    def chunks():
        yield b'{"bio": "Sent '
        yield b'in chunks."}'

    response = leader.request("PATCH", path, data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert leader.get(path).json()["bio"] == "Sent in chunks."

    def too_much():
        yield b'{"bio": "'
        for _ in range(200):
            yield b"x" * 10_000
        yield b'"}'

    response = leader.request("PATCH", path, data=too_much(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


def test_every_response_carries_the_security_headers(gateway):
    base_url, _, _ = gateway
    for method, path in (("GET", "/"), ("GET", "/signin"), ("GET", "/static/site.css"), ("GET", "/openapi.json"),
                         ("GET", "/no/such/page"), ("POST", "/api/applications"), ("DELETE", "/api/session")):
        response = requests.request(method, base_url + path, timeout=30, headers={"Accept": "text/html"})
        for name in SECURITY_HEADERS:
            assert name in response.headers, (method, path, response.status_code, name)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_sign_in_refuses_a_post_not_made_from_its_own_form(stack):
    email = "alex@pd.example.gov"
    from .conftest import PASSWORD

    # Another site's form: no token of ours (the browser would not send our cookie to it
    # either way, and could not read it).
    forged = requests.post(stack.base_url + "/signin", data={"email": email, "password": PASSWORD},
                           allow_redirects=False, timeout=30)
    assert forged.status_code == 403 and "niot_session" not in forged.headers.get("Set-Cookie", "")
    wrong = requests.Session()
    wrong.get(stack.base_url + "/signin", timeout=30)
    guessed = wrong.post(stack.base_url + "/signin", timeout=30, allow_redirects=False,
                         data={"email": email, "password": PASSWORD, "signin_token": "x" * 43})
    assert guessed.status_code == 403
    # A browser marking the request as cross-site is refused on any unsafe route.
    marked = requests.post(stack.base_url + "/api/session", json={"email": email, "password": PASSWORD},
                           headers={"Sec-Fetch-Site": "cross-site"}, timeout=30)
    assert marked.status_code == 403
    # The site's own form signs in.
    own = requests.Session()
    form = own.get(stack.base_url + "/signin", timeout=30)
    token = form.text.split('name="signin_token" value="')[1].split('"')[0]
    signed = own.post(stack.base_url + "/signin", data={"email": email, "password": PASSWORD, "signin_token": token},
                      headers={"Sec-Fetch-Site": "same-origin"}, allow_redirects=False, timeout=30)
    assert signed.status_code == 303 and own.get(stack.base_url + "/leader", timeout=30).status_code == 200


def test_the_attendee_list_is_what_the_openapi_document_says(stack):
    from .test_api import register_when_projected

    a = stack.leader_ids["a"]
    sid = register_when_projected(stack.clients["a"], a)["id"]
    assert stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    seated = stack.browser(stack.base_url).post(f"/api/screenings/{sid}/rsvps",
                                                json={"name": "Pat Public", "email": "pat@example.org"})
    assert seated.status_code == 201
    listed = stack.clients["a"].get(f"/api/screenings/{sid}/attendees")
    assert listed.status_code == 200
    document = stack.manager.get("/openapi.json").json()
    operation = document["paths"]["/api/screenings/{screening_id}/attendees"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "array" and isinstance(listed.json(), list)
    for person in listed.json():
        assert set(schema["items"]["required"]) <= set(person)
    assert [person["name"] for person in listed.json()] == ["Pat Public"]


def test_a_repeated_rsvp_answers_like_a_first_and_mails_the_holder(full_stack):
    from .conftest import wait_until_mail_settles
    from .test_api import register_when_projected, rsvp_to

    sid = register_when_projected(full_stack.clients["a"], full_stack.leader_ids["a"])["id"]  # one seat
    assert full_stack.manager.post(f"/api/screenings/{sid}/approve").status_code == 200
    public = full_stack.browser(full_stack.base_url)

    def rsvp(name: str, email: str) -> dict:
        return rsvp_to(public, sid, name, email)

    rsvp("Pat Public", "pat@example.org")
    probe = rsvp("Pat Public", "pat@example.org")  # is Pat coming? The answer cannot say.
    newcomer = rsvp("Quinn Q", "quinn@example.org")
    assert probe == newcomer == {"status": "waitlisted", "waitlist_position": 1, "created": True, "screening_id": sid}
    wait_until_mail_settles(full_stack.config)
    import email
    from email.policy import default

    subjects = [str(email.message_from_bytes(m.data, policy=default)["Subject"])
                for m in full_stack.smtp_server.messages if "pat@example.org" in m.rcpt_tos]
    assert any(s.startswith("Your place is reserved") for s in subjects), subjects
    assert any(s.startswith("You already have a place") for s in subjects), subjects


def test_an_application_answers_alike_whether_or_not_the_address_is_known(full_stack):
    from email.policy import default
    import email as email_parser

    from .conftest import pending_application, wait_until_mail_settles

    public = full_stack.browser(full_stack.base_url)

    def apply(name: str, address: str) -> requests.Response:
        return public.post("/api/applications", json={**APPLICATION, "name": name, "email": address})

    first = apply("Drew Dale", "drew@pd.example.gov")
    again = apply("Drew Dale", "DREW@pd.example.gov")  # under review: is Drew applying? The answer cannot say.
    leader = apply("Someone Else", "alex@pd.example.gov")  # on the roster: is Alex a leader? Neither.
    assert first.status_code == again.status_code == leader.status_code == 202
    assert first.json() == again.json() == leader.json()
    pending_application(full_stack.manager, "drew@pd.example.gov")  # exactly one, not two

    wait_until_mail_settles(full_stack.config)

    def subjects(address: str) -> list[str]:
        return [str(email_parser.message_from_bytes(m.data, policy=default)["Subject"])
                for m in full_stack.smtp_server.messages if address in m.rcpt_tos]

    assert "We received your application to the NIOT Law Enforcement Network" in subjects("drew@pd.example.gov")
    assert "Your application to the NIOT Law Enforcement Network is under review" in subjects("drew@pd.example.gov")
    assert "You are already on the NIOT Law Enforcement Network" in subjects("alex@pd.example.gov")
    # The owner's mail shows the way back in, not the stranger's details.
    told = [m for m in full_stack.smtp_server.messages if "alex@pd.example.gov" in m.rcpt_tos
            and "already on the NIOT" in str(email_parser.message_from_bytes(m.data, policy=default)["Subject"])]
    text = email_parser.message_from_bytes(told[0].data, policy=default).get_body(("plain",)).get_content()
    assert "/account/setup" in text and "Someone Else" not in text
