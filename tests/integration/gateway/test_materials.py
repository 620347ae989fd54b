"""Materials orders through the gateway on the real broker: a host orders a screening's
kit (a second order amends the open one; a screening inside the shipping lead time is
taken with a warning), a manager works the queue and marks it sent, the host is mailed,
and cancelling the screening cancels its open order. The pages say what happened."""
from __future__ import annotations

import re

from tests.integration.kit.helpers import wait_for

from .test_api import register_when_projected, screening_details
from .test_mentorship_and_coverage import plain_text

SHIP_TO = "Alex Able\nMetro Police Department\n100 Main St\nAtlanta, GA 30303"
ORDER = {"medium": "dvd", "guide_copies": 25, "flyer_copies": 40, "ship_to": SHIP_TO}


def mail_to(smtp_server, recipient: str, subject_part: str):
    found = {}

    def look():
        for received in smtp_server.messages:
            text = received.data.decode("utf-8", "replace")
            if recipient in received.rcpt_tos and subject_part in text:
                found["mail"] = received
                return True
        return False

    wait_for(look, timeout=60, interval=0.3)
    return found["mail"]


def test_a_host_orders_a_manager_sends_and_the_host_is_mailed(full_stack):
    stack = full_stack
    host, other, manager = stack.clients["a"], stack.clients["b"], stack.manager
    screening = register_when_projected(host, stack.leader_ids["a"])
    sid = screening["id"]

    assert other.post(f"/api/screenings/{sid}/materials", json=ORDER).status_code in (403, 404)  # not theirs
    refused = host.post(f"/api/screenings/{sid}/materials", json={**ORDER, "guide_copies": 501, "ship_to": ""})
    assert refused.status_code == 422 and {"guide_copies", "ship_to"} <= {
        e["field"].split(".")[-1] for e in refused.json()["errors"]}

    placed = host.post(f"/api/screenings/{sid}/materials", json=ORDER)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert body["amended"] is False and body["warning"] is None and body["lead_days"] == 10
    order_id = body["order"]["id"]
    assert [(i["kind"], i["quantity"]) for i in body["order"]["items"]] == [
        ("dvd", 1), ("discussion_guide", 25), ("flyer", 40)]

    amended = host.post(f"/api/screenings/{sid}/materials", json={**ORDER, "medium": "usb_drive"})
    assert amended.status_code == 200 and amended.json()["amended"] is True
    assert amended.json()["order"]["id"] == order_id

    listed = host.get(f"/api/screenings/{sid}/materials").json()
    assert [(o["id"], o["state"], o["medium"]) for o in listed] == [(order_id, "open", "usb_drive")]
    assert host.get("/api/materials").status_code == 403
    queue = manager.get("/api/materials", params={"state": "open"}).json()
    assert order_id in {o["id"] for o in queue["items"]}
    assert manager.get("/api/manage/queues").json()["materials_to_send"] >= 1
    assert manager.get("/api/materials", params={"state": "lost"}).status_code == 422

    home = manager.get("/manage")
    assert 'href="/manage/materials"' in home.text and "Materials to send" in home.text
    queue_page = manager.get("/manage/materials")
    assert queue_page.status_code == 200 and f'action="/manage/materials/{order_id}/sent"' in queue_page.text

    too_long = manager.post(f"/manage/materials/{order_id}/sent", data={"tracking_note": "UPS " + "9" * 2000})
    assert too_long.status_code == 422 and "text/html" in too_long.headers["Content-Type"]
    assert "UPS 9999" in too_long.text and 'aria-invalid="true"' in too_long.text
    assert host.post(f"/api/materials/{order_id}/sent", json={}).status_code == 403
    sent = manager.post(f"/api/materials/{order_id}/sent", json={"tracking_note": "UPS 1Z999AA10123456784"})
    assert sent.status_code == 200 and sent.json()["state"] == "sent"
    assert manager.post(f"/api/materials/{order_id}/sent", json={}).status_code == 409
    twice = manager.post(f"/manage/materials/{order_id}/sent", data={"tracking_note": ""})
    assert twice.status_code == 409 and "already marked sent" in twice.text

    mail = mail_to(stack.smtp_server, "alex@pd.example.gov", "Your materials are on their way")
    text = plain_text(mail)
    assert "UPS 1Z999AA10123456784" in text and "Stop Hate & Build Inclusion" in text
    assert f"/manage/screenings/{sid}" in text

    workspace = host.get(f"/manage/screenings/{sid}")
    assert "Sent" in workspace.text and "UPS 1Z999AA10123456784" in workspace.text


def test_pages_order_keep_input_on_error_and_warn_inside_the_lead_time(full_stack):
    stack = full_stack
    host = stack.clients["a"]
    soon = register_when_projected_in(host, stack.leader_ids["a"], days=3)
    sid = soon["id"]
    form = {"medium": "dvd", "guide_copies": "lots", "flyer_copies": "10", "ship_to": "", "note": "Side door"}
    again = host.post(f"/manage/screenings/{sid}/materials", data=form)
    assert again.status_code == 422 and "text/html" in again.headers["Content-Type"]
    assert "Side door" in again.text and 'aria-invalid="true"' in again.text
    assert re.search(r"Ship to</a>: is required", again.text)

    done = host.post(f"/manage/screenings/{sid}/materials", data={**form, "guide_copies": "12", "ship_to": SHIP_TO},
                     allow_redirects=True)
    assert done.status_code == 200 and "may not arrive in time" in done.text
    (order,) = host.get(f"/api/screenings/{sid}/materials").json()
    assert order["late"] and re.match(r"Ordered [23] days before the screening", order["warning"])
    mail = mail_to(stack.smtp_server, "programs@niot.example.org", "Late: New materials order")
    assert "12 x" in plain_text(mail)

    cancelled = host.post(f"/api/screenings/{sid}/cancel", json={"message": "The venue closed."})
    assert cancelled.status_code == 200, cancelled.text
    (order,) = host.get(f"/api/screenings/{sid}/materials").json()
    assert order["state"] == "cancelled"
    told = plain_text(mail_to(stack.smtp_server, "programs@niot.example.org", "Do not ship"))
    assert "12 x" in told and "please do not ship them" in told.lower()
    refused = host.post(f"/api/screenings/{sid}/materials", json=ORDER)
    assert refused.status_code == 409


def register_when_projected_in(client, host_id: int, *, days: int) -> dict:
    box = {}

    def attempt():
        response = client.post("/api/screenings", json={"host_id": host_id, "details": screening_details(days)})
        box["response"] = response
        return response.status_code == 201

    wait_for(attempt, timeout=20, interval=0.3)
    return box["response"].json()
