"""Partners: the rules of a record, matching typed names to records, and the use cases
(adding, editing, linking screenings and reports) on an in-memory unit of work."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.screenings.app import reports
from services.screenings.app.timers import COMPLETE, timer_handlers
from services.screenings.domain.feedback import roll_up
from services.screenings.partners import app, domain
from services.screenings.partners.domain import Partner, PartnerKind

from .factories import NOW
from .scenarios import END, MANAGER, SETTINGS, answered, as_leader, network, registered

SCHOOL = {"name": "Lanphier High School", "kind": "school", "city": "Springfield", "state": "il",
          "postal_code": "62702", "website": "https://lanphier.example.org", "contact_role": "Principal"}


def fields(excinfo) -> dict[str, str]:
    return {e["field"]: e["message"] for e in excinfo.value.errors}


# --- rules ------------------------------------------------------------------------------


def test_a_partner_from_a_form_is_checked_field_by_field():
    partner = domain.partner_from_input(SCHOOL, added_by="manager", now=NOW)
    assert (partner.name, partner.kind, partner.state, partner.postal_code) == (
        "Lanphier High School", PartnerKind.SCHOOL, "IL", "62702")
    with pytest.raises(ValidationFailed) as refused:
        domain.partner_from_input({"name": " ", "kind": "club", "city": "", "state": "ZZ", "postal_code": "6270",
                                   "website": "http://x.example.org", "contact_role": "ana@example.org"},
                                  added_by="manager", now=NOW)
    assert set(fields(refused)) == {"name", "kind", "city", "state", "postal_code", "website", "contact_role"}
    assert "not an address" in fields(refused)["contact_role"]
    with pytest.raises(ValidationFailed) as refused:
        domain.partner_from_input({**SCHOOL, "email": "x@example.org"}, added_by="manager", now=NOW)
    assert "email" in fields(refused)


def test_two_spellings_of_a_name_are_one_partner_in_a_state_and_two_across_states():
    assert domain.name_key("St. Mary's  Church") == domain.name_key("st marys church") == "st marys church"
    assert domain.name_key("Café Unidos") == "cafe unidos"
    known = {("st marys church", "IL"): Partner(1, "St. Mary's Church", PartnerKind.FAITH_GROUP, "IL")}
    linked, missing = domain.resolve(["ST MARYS CHURCH", "New Group", "new group"], known, state="IL")
    assert [p.id for p in linked] == [1] and missing == ["New Group", "new group"]
    linked, missing = domain.resolve(["St Marys Church"], known, state="WI")
    assert linked == [] and missing == ["St Marys Church"]
    assert domain.resolve(["St Marys Church"], known, state=None) == ([], ["St Marys Church"])


def test_ratings_roll_up_to_a_count_an_average_and_a_distribution():
    assert roll_up({5: 3, 4: 1}) == {"count": 4, "average": 4.8,
                                     "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 3}}
    assert roll_up({}) == {"count": 0, "average": None, "distribution": {str(r): 0 for r in range(1, 6)}}


# --- use cases --------------------------------------------------------------------------


def test_managers_and_leaders_add_partners_and_only_managers_edit_them():
    uow = network()
    added = answered("add_partner", app.add(uow, as_leader(2), SCHOOL, now=NOW))
    assert added["kind_label"] == "School or college" and added["to_complete"] is False
    assert uow.store.partners[added["id"]].added_by == "2"
    with pytest.raises(Conflict, match="already has a partner"):
        app.add(uow.next(), MANAGER, {**SCHOOL, "name": "LANPHIER high school"}, now=NOW)
    app.add(uow.next(), MANAGER, {**SCHOOL, "state": "WI", "city": "Madison"}, now=NOW)  # another state: fine
    with pytest.raises(Forbidden):
        app.edit(uow.next(), as_leader(2), added["id"], {"city": "Chatham"}, now=NOW)
    later = NOW + timedelta(days=1)
    edited = answered("edit_partner", app.edit(uow.next(), MANAGER, added["id"], {"city": "Chatham"}, now=later))
    assert edited["city"] == "Chatham" and edited["name"] == "Lanphier High School"
    assert uow.store.partners[added["id"]].updated_at == later
    with pytest.raises(ValidationFailed):
        app.edit(uow.next(), MANAGER, added["id"], {"state": "XX"}, now=later)
    with pytest.raises(NotFound):
        app.get(uow.next(), "nine")


def test_search_by_states_kind_and_words():
    uow = network()
    app.add(uow, MANAGER, SCHOOL, now=NOW)
    app.add(uow, MANAGER, {**SCHOOL, "name": "Madison Interfaith", "kind": "faith_group", "state": "WI",
                           "city": "Madison"}, now=NOW)
    found = answered("search_partners", app.search(uow, {"states": ["IL", "WI"], "text": "madison"}))
    assert [p["name"] for p in found["items"]] == ["Madison Interfaith"]
    assert app.search(uow, {"state": "IL"})["total"] == 1
    assert app.search(uow, {"kind": "faith_group"})["items"][0]["state"] == "WI"
    with pytest.raises(ValidationFailed) as refused:
        app.search(uow, {"state": "Illinois"})
    assert refused.value.errors[0]["field"] == "state"


def test_names_on_a_screening_link_to_records_and_new_ones_become_records_at_its_place():
    uow = network()
    known = app.add(uow, MANAGER, SCHOOL, now=NOW)
    view = registered(uow.next(), 1, partners=["lanphier high school", "Springfield Interfaith Council"])
    linked = answered("screening_partners", app.of_screening(uow.next(), view["id"]))
    assert [p["name"] for p in linked] == ["Lanphier High School", "Springfield Interfaith Council"]
    assert linked[0]["id"] == known["id"]
    new = linked[1]
    assert (new["kind"], new["state"], new["to_complete"]) == ("other", "IL", True)
    assert uow.store.partners[new["id"]].added_by == "1"


def test_names_on_the_report_link_to_the_same_records():
    uow = network()
    view = registered(uow, 1, partners=["Springfield Interfaith Council"])
    uow = uow.next()
    timer_handlers(SETTINGS)[COMPLETE](uow, {"screening_id": view["id"]}, END)
    reports.file_report(uow.next(), as_leader(1), view["id"],
                        {"head_count": 30, "audiences": ["students"],
                         "partners": ["springfield interfaith council", "Lanphier High School"]},
                        now=END + timedelta(hours=1), settings=SETTINGS)
    assert len(uow.store.partners) == 2
    assert [p["name"] for p in app.of_screening(uow.next(), view["id"])] == [
        "Lanphier High School", "Springfield Interfaith Council"]
