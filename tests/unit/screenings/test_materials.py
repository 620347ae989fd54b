"""Materials orders: the lead-time and state rules (plain domain) and the use cases on an
in-memory unit of work (who may order, amending the open order, marking it sent, the
events, and cancelling with the screening)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.contracts import materials as events
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.screenings.app import changes
from services.screenings.materials import app
from services.screenings.materials.domain import (
    MaterialOrder, Medium, OrderLines, OrderState, check_lead_time, late_warning, parse_request, place,
)

from .factories import NOW, errors_by_field
from .scenarios import MANAGER, SETTINGS, START, answered, as_leader, network, registered

ORDER = {"medium": "dvd", "guide_copies": 30, "flyer_copies": 50,
         "ship_to": "Sgt. Dana Ruiz\nSpringfield Police Department\n800 E Monroe St\nSpringfield, IL 62701"}


def an_order(**overrides) -> MaterialOrder:
    values = dict(id="o1", screening_id="s1", ordered_by="1", state=OrderState.OPEN,
                  lines=OrderLines(Medium.DVD, 10, 0), film_slug="waking-in-oak-creek", ship_to="Somewhere",
                  note=None, late=False, ordered_at=NOW)
    values.update(overrides)
    return MaterialOrder(**values)


# --- the rules ------------------------------------------------------------------------


def test_lead_time_warns_inside_it_and_refuses_once_the_screening_started():
    assert check_lead_time(NOW + timedelta(days=11), NOW, 10) is False
    assert check_lead_time(NOW + timedelta(days=10), NOW, 10) is False
    assert check_lead_time(NOW + timedelta(days=9, hours=23), NOW, 10) is True
    assert check_lead_time(NOW + timedelta(minutes=5), NOW, 10) is True
    for start in (NOW, NOW - timedelta(days=1)):
        with pytest.raises(Conflict, match="already started"):
            check_lead_time(start, NOW, 10)


def test_the_warning_says_how_close_and_how_long_shipping_takes():
    late = an_order(late=True)
    assert late_warning(late, NOW + timedelta(days=3, hours=5), 10).startswith(
        "Ordered 3 days before the screening, and shipping takes about 10 days")
    assert "less than a day" in late_warning(late, NOW + timedelta(hours=5), 10)
    assert late_warning(an_order(), NOW + timedelta(days=3), 10) is None
    assert late_warning(late.mark_sent(tracking_note=None, now=NOW), NOW + timedelta(days=3), 10) is None


def test_an_order_names_each_problem_by_field():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_request({"medium": "vhs", "guide_copies": -1, "flyer_copies": "lots", "ship_to": " "}, has_film=True)
    assert set(errors_by_field(excinfo)) == {"medium", "guide_copies", "flyer_copies", "ship_to"}
    with pytest.raises(ValidationFailed) as excinfo:
        parse_request({"guide_copies": 501, "ship_to": "x" * 1001}, has_film=True)
    assert set(errors_by_field(excinfo)) == {"guide_copies", "ship_to"}
    with pytest.raises(ValidationFailed) as excinfo:
        parse_request({"medium": "none", "ship_to": "Here"}, has_film=True)
    assert errors_by_field(excinfo) == {"medium": "order at least the film or some printed copies"}
    with pytest.raises(ValidationFailed) as excinfo:
        parse_request({"medium": "dvd", "guide_copies": 5, "ship_to": "Here"}, has_film=False)
    assert set(errors_by_field(excinfo)) == {"medium", "guide_copies"}
    with pytest.raises(ValidationFailed):
        parse_request(["not", "an", "object"], has_film=True)


def test_form_text_numbers_are_read_and_a_usb_drive_needs_no_film():
    request = parse_request({"medium": "usb_drive", "guide_copies": "", "flyer_copies": " 20 ", "ship_to": " Here ",
                             "note": "  "}, has_film=False)
    assert request.lines == OrderLines(Medium.USB_DRIVE, 0, 20)
    assert request.ship_to == "Here" and request.note is None


def test_ordering_again_while_open_amends_and_after_sending_places_a_new_order():
    request = parse_request(ORDER, has_film=True)
    first, amended = place(None, request, order_id="o1", screening_id="s1", ordered_by="1",
                           film_slug="f", late=False, now=NOW)
    assert not amended and first.state is OrderState.OPEN
    more = parse_request({**ORDER, "guide_copies": 60}, has_film=True)
    second, amended = place(first, more, order_id="o2", screening_id="s1", ordered_by="1", film_slug="f",
                            late=True, now=NOW + timedelta(days=1))
    assert amended and second.id == "o1" and second.lines.guide_copies == 60 and second.late
    assert second.amended_at == NOW + timedelta(days=1) and second.ordered_at == NOW
    sent = second.mark_sent(tracking_note="UPS 1Z", now=NOW)
    third, amended = place(sent, request, order_id="o3", screening_id="s1", ordered_by="1", film_slug="f",
                           late=False, now=NOW)
    assert not amended and third.id == "o3"


def test_sent_and_cancelled_are_final():
    sent = an_order().mark_sent(tracking_note=None, now=NOW)
    assert sent.state is OrderState.SENT and sent.sent_at == NOW
    with pytest.raises(Conflict, match="already marked sent"):
        sent.mark_sent(tracking_note=None, now=NOW)
    assert sent.cancel(now=NOW) == sent
    cancelled = an_order().cancel(now=NOW)
    assert cancelled.state is OrderState.CANCELLED and cancelled.cancelled_at == NOW
    with pytest.raises(Conflict, match="cancelled"):
        cancelled.mark_sent(tracking_note=None, now=NOW)
    with pytest.raises(Conflict):
        sent.amend(OrderLines(None, 1, 0), ship_to="x", note=None, late=False, now=NOW)


# --- the use cases --------------------------------------------------------------------


def screening_of_leader_1(**overrides):
    uow = network()
    view = registered(uow, 1, **overrides)
    return uow.next(), view


def test_the_host_orders_and_the_managers_are_told():
    uow, view = screening_of_leader_1()
    placed = answered("order_materials", app.order_materials(uow, as_leader(1), view["id"], ORDER, now=NOW,
                                                             settings=SETTINGS))
    assert placed["amended"] is False and placed["warning"] is None and placed["lead_days"] == 10
    order = placed["order"]
    assert order["state"] == "open" and order["ordered_by"] == "1"
    assert [(i["kind"], i["quantity"]) for i in order["items"]] == [("dvd", 1), ("discussion_guide", 30),
                                                                   ("flyer", 50)]
    (event,) = uow.of_type(events.MaterialsOrdered)
    assert event.amendment is False and event.late_warning is None
    assert event.ordered_by.email == "leader1@pd.example.gov"
    assert event.manager_emails == SETTINGS.manager_emails and event.queue_path == "/manage/materials"
    assert [i.title for i in event.items][0] == "Waking in Oak Creek (DVD)"


def test_a_second_order_while_open_amends_it():
    uow, view = screening_of_leader_1()
    first = app.order_materials(uow, as_leader(1), view["id"], ORDER, now=NOW, settings=SETTINGS)
    uow = uow.next()
    again = app.order_materials(uow, as_leader(1), view["id"], {**ORDER, "medium": "usb_drive", "guide_copies": 45},
                                now=NOW + timedelta(days=1), settings=SETTINGS)
    assert again["amended"] and again["order"]["id"] == first["order"]["id"]
    assert again["order"]["medium"] == "usb_drive" and again["order"]["guide_copies"] == 45
    assert uow.of_type(events.MaterialsOrdered)[0].amendment is True
    uow = uow.next()
    same = app.order_materials(uow, as_leader(1), view["id"], {**ORDER, "medium": "usb_drive", "guide_copies": 45},
                               now=NOW + timedelta(days=2), settings=SETTINGS)
    assert same["order"] == again["order"] and uow.published == []
    listed = answered("screening_material_orders",
                      app.screening_orders(uow.next(), as_leader(1), view["id"], settings=SETTINGS))
    assert [o["id"] for o in listed] == [first["order"]["id"]]


def test_an_order_inside_the_lead_time_is_taken_with_a_warning():
    uow, view = screening_of_leader_1()
    soon = START - timedelta(days=4)
    placed = app.order_materials(uow, as_leader(1), view["id"], ORDER, now=soon, settings=SETTINGS)
    assert placed["order"]["late"] and placed["warning"].startswith("Ordered 4 days before the screening")
    assert uow.of_type(events.MaterialsOrdered)[0].late_warning == placed["warning"]
    with pytest.raises(Conflict, match="already started"):
        app.order_materials(uow.next(), as_leader(1), view["id"], ORDER, now=START + timedelta(minutes=1),
                            settings=SETTINGS)


def test_only_organisers_and_managers_order_and_only_managers_ship():
    uow, view = screening_of_leader_1()
    with pytest.raises(Forbidden):
        app.order_materials(uow, as_leader(3), view["id"], ORDER, now=NOW, settings=SETTINGS)
    with pytest.raises(Forbidden):
        app.screening_orders(uow, as_leader(3), view["id"], settings=SETTINGS)
    placed = app.order_materials(uow.next(), MANAGER, view["id"], ORDER, now=NOW, settings=SETTINGS)
    assert placed["order"]["ordered_by"] == "1"  # for the host
    with pytest.raises(Forbidden):
        app.mark_sent(uow.next(), as_leader(1), placed["order"]["id"], None, now=NOW, settings=SETTINGS)
    with pytest.raises(Forbidden):
        app.list_orders(uow.next(), as_leader(1), "open", 50, 0, settings=SETTINGS)
    with pytest.raises(NotFound):
        app.mark_sent(uow.next(), MANAGER, "no-such-order", None, now=NOW, settings=SETTINGS)


def test_a_manager_marks_it_sent_and_the_host_is_told():
    uow, view = screening_of_leader_1()
    placed = app.order_materials(uow, as_leader(1), view["id"], ORDER, now=NOW, settings=SETTINGS)
    queue = answered("list_material_orders", app.list_orders(uow.next(), MANAGER, "open", 50, 0, settings=SETTINGS))
    assert queue["total"] == 1 and queue["items"][0]["id"] == placed["order"]["id"]
    uow = uow.next()
    sent = answered("mark_materials_sent", app.mark_sent(uow, MANAGER, placed["order"]["id"], " UPS 1Z999 ",
                                                         now=NOW + timedelta(days=1), settings=SETTINGS))
    assert sent["state"] == "sent" and sent["tracking_note"] == "UPS 1Z999"
    (event,) = uow.of_type(events.MaterialsSent)
    assert event.ordered_by.email == "leader1@pd.example.gov" and event.tracking_note == "UPS 1Z999"
    assert event.manage_path == f"/manage/screenings/{view['id']}"
    assert app.list_orders(uow.next(), MANAGER, "open", 50, 0, settings=SETTINGS)["total"] == 0
    assert app.list_orders(uow.next(), MANAGER, "sent", 50, 0, settings=SETTINGS)["total"] == 1
    with pytest.raises(Conflict):
        app.mark_sent(uow.next(), MANAGER, placed["order"]["id"], None, now=NOW, settings=SETTINGS)
    with pytest.raises(ValidationFailed) as excinfo:
        app.list_orders(uow.next(), MANAGER, "lost", 50, 0, settings=SETTINGS)
    assert errors_by_field(excinfo) == {"state": "open, sent, cancelled or all"}


def test_cancelling_the_screening_cancels_its_open_order_and_no_more_can_be_ordered():
    uow, view = screening_of_leader_1()
    placed = app.order_materials(uow, as_leader(1), view["id"], ORDER, now=NOW, settings=SETTINGS)
    cancelling = uow.next()
    changes.cancel_screening(cancelling, as_leader(1), view["id"], "Venue closed.", now=NOW, settings=SETTINGS)
    (order,) = app.screening_orders(uow.next(), as_leader(1), view["id"], settings=SETTINGS)
    assert order["id"] == placed["order"]["id"] and order["state"] == "cancelled"
    (told,) = cancelling.of_type(events.MaterialsCancelled)
    assert told.order_id == order["id"] and told.manager_emails == SETTINGS.manager_emails
    assert told.screening.status == "cancelled" and [i.kind for i in told.items] == ["dvd", "discussion_guide", "flyer"]
    with pytest.raises(Conflict, match="cancelled"):
        app.order_materials(uow.next(), as_leader(1), view["id"], ORDER, now=NOW, settings=SETTINGS)
    with pytest.raises(Conflict):
        app.mark_sent(uow.next(), MANAGER, placed["order"]["id"], None, now=NOW, settings=SETTINGS)


def test_a_discussion_without_a_film_orders_the_usb_drive_and_flyers():
    uow, view = screening_of_leader_1(kind="guided_discussion", film=None, title="Roll call talk")
    with pytest.raises(ValidationFailed):
        app.order_materials(uow, as_leader(1), view["id"], ORDER, now=NOW, settings=SETTINGS)
    placed = app.order_materials(uow.next(), as_leader(1), view["id"],
                                 {"medium": "usb_drive", "flyer_copies": 10, "ship_to": "Here"}, now=NOW,
                                 settings=SETTINGS)
    assert [i["kind"] for i in placed["order"]["items"]] == ["usb_drive", "flyer"]
