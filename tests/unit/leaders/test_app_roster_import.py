"""Leaders imported from a roster CSV, through the use case on an in-memory unit of work."""
from __future__ import annotations

import pytest

from services.contracts.leaders import LeaderDeactivated, LeaderUpdated
from services.leaders.app.roster_import import import_roster_csv
from services.leaders.domain.leader import PROFILE_FIELDS, EmailInUse
from services.runtime.errors import Conflict, ValidationFailed

from .builders import NOW, approved_leader
from .fakes import FakeUnitOfWork

HEADER = "name,agency,title,email,phone,state,expertise,bio,max_mentees,availability,away_until,trusted_host,status"


@pytest.fixture
def uow():
    return FakeUnitOfWork()


def csv_text(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def test_valid_rows_become_leaders_each_announced_with_its_snapshot(uow):
    report = import_roster_csv(uow, csv_text(
        "Kim Park,Seattle PD,Officer,Kim@SPD.gov,206-555-0100,WA,school-safety;Prosecution,,2,,,yes,",
        "Lee Wong,SFPD,Sergeant,lee@sfpd.org,,CA,,,,,,,alumni",
    ), now=NOW)
    assert (report["total_rows"], report["accepted"], report["accepted_rows"], report["rejected"]) == (2, 2, [2, 3], [])
    kim, lee = uow.leaders.all()
    assert report["leader_ids"] == [kim.id, lee.id]
    assert (kim.email, kim.phone, kim.expertise, kim.max_mentees, kim.trusted_host) == (
        "kim@spd.gov", "+12065550100", ("prosecution", "school-safety"), 2, True)
    assert lee.status == "alumni"
    first, second = uow.published
    assert isinstance(first, LeaderUpdated) and first.changed == PROFILE_FIELDS and first.region == "region-10"
    assert isinstance(second, LeaderDeactivated) and second.status == "alumni"
    assert uow.jobs == {}  # imported leaders' training is the program's to know


def test_rejected_rows_are_reported_and_the_others_stored(uow):
    approved_leader(uow, email="maria@oakcreekpd.gov")
    uow.published.clear()
    report = import_roster_csv(uow, csv_text(
        "Kim Park,Seattle PD,Officer,kim@spd.gov,,WA,,,,,,,",
        "Again,Oak Creek PD,Officer,MARIA@oakcreekpd.gov,,WI,,,,,,,",
        "Bad,PD,Officer,bad@pd.gov,12,Atlantis,,,,,,,",
        "Short,Row",
    ), now=NOW)
    assert report["accepted_rows"] == [2]
    assert {r["row"]: {e["field"] for e in r["errors"]} for r in report["rejected"]} == {
        3: {"email"}, 4: {"phone", "state"}, 5: {"row"}}
    assert [leader.email for leader in uow.leaders.all()] == ["maria@oakcreekpd.gov", "kim@spd.gov"]
    assert [e.email for e in uow.published] == ["kim@spd.gov"]


def test_an_unusable_file_is_refused_and_nothing_stored(uow):
    for bad, field in (("", "file"), (["not", "text"], "file"), ("name,email\r\nKim,kim@spd.gov\r\n", "columns")):
        with pytest.raises(ValidationFailed) as refused:
            import_roster_csv(uow, bad, now=NOW)
        assert refused.value.field == field
    assert uow.leaders.all() == [] and uow.published == []


def test_an_address_taken_during_the_import_stores_nothing(uow, monkeypatch):
    def taken(leaders, now):
        raise EmailInUse()

    monkeypatch.setattr(uow.leaders, "add_many", taken)
    with pytest.raises(Conflict) as refused:
        import_roster_csv(uow, csv_text("Kim Park,Seattle PD,Officer,kim@spd.gov,,WA,,,,,,,"), now=NOW)
    assert refused.value.field == "file" and uow.published == []


def test_a_dry_run_reports_the_same_rows_and_stores_nothing(uow):
    rows = ("Kim Park,Seattle PD,Officer,kim@spd.gov,,WA,,,,,,,", "Bad,PD,Officer,bad@pd.gov,12,Atlantis,,,,,,,")
    preview = import_roster_csv(uow, csv_text(*rows), now=NOW, dry_run=True)
    assert (preview["accepted_rows"], preview["leader_ids"]) == ([2], [])
    assert {r["row"]: {e["field"] for e in r["errors"]} for r in preview["rejected"]} == {3: {"phone", "state"}}
    assert uow.leaders.all() == [] and uow.published == []
    imported = import_roster_csv(uow, csv_text(*rows), now=NOW)
    assert {k: v for k, v in imported.items() if k != "leader_ids"} == {k: v for k, v in preview.items()
                                                                        if k != "leader_ids"}
    assert [leader.email for leader in uow.leaders.all()] == ["kim@spd.gov"]
    with pytest.raises(ValidationFailed):
        import_roster_csv(uow, csv_text(*rows), now=NOW, dry_run="yes")
