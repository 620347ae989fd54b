import csv
import io
from datetime import date

import pytest

from services.leaders.domain.leader import Leader
from services.leaders.domain.roster_csv import (
    ROSTER_COLUMNS,
    neutralize_formula,
    parse_roster_csv,
    roster_to_csv,
)
from services.runtime.errors import ValidationFailed

TODAY = date(2025, 3, 10)
HEADER = ",".join(ROSTER_COLUMNS)


def csv_text(*rows: dict, columns=ROSTER_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


def row(**overrides) -> dict:
    return {
        "name": "Maria Lopez", "agency": "Oak Creek PD", "title": "Lieutenant",
        "email": "maria@oakcreekpd.gov", "phone": "414-555-0134", "state": "WI",
        "expertise": "community-policing;school-safety", "bio": "Bio.", "max_mentees": "4",
        "availability": "available", "away_until": "", "trusted_host": "yes", "status": "active",
        **overrides,
    }


def rejected_fields(report) -> dict[int, set[str]]:
    return {r.row: {e["field"] for e in r.errors} for r in report.rejected}


def test_a_clean_file_imports_every_row():
    leaders, report = parse_roster_csv(
        csv_text(row(), row(email="sam@metropd.org", state="Georgia", phone="", expertise="",
                            max_mentees="", trusted_host="", status="")),
        today=TODAY,
    )
    assert report.total_rows == 2 and report.accepted_rows == (2, 3) and report.rejected == ()
    maria, sam = leaders
    assert maria.phone == "+14145550134" and maria.trusted_host and maria.max_mentees == 4
    assert maria.expertise == ("community-policing", "school-safety")
    assert sam.state == "GA" and sam.phone is None and sam.expertise == () and sam.status == "active"
    assert not sam.trusted_host and sam.max_mentees == 3


def test_columns_may_come_in_any_order_with_any_case():
    columns = tuple(reversed(ROSTER_COLUMNS))
    text = csv_text(row(), columns=columns).replace("email", " EMAIL ", 1)
    leaders, report = parse_roster_csv(text, today=TODAY)
    assert len(leaders) == 1 and leaders[0].email == "maria@oakcreekpd.gov"


def test_wrong_columns_are_named():
    columns = tuple(c for c in ROSTER_COLUMNS if c not in ("phone", "status")) + ("region", "notes")
    with pytest.raises(ValidationFailed) as caught:
        parse_roster_csv(csv_text(row(), columns=columns), today=TODAY)
    messages = [e["message"] for e in caught.value.errors]
    assert {e["field"] for e in caught.value.errors} == {"columns"}
    assert "missing columns: phone, status" in messages
    assert "unexpected columns: region, notes" in messages


def test_repeated_columns_are_refused():
    with pytest.raises(ValidationFailed, match="repeated columns: email"):
        parse_roster_csv(HEADER + ",email\r\n", today=TODAY)


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        parse_roster_csv("", today=TODAY)
    assert caught.value.field == "file"


def test_bad_rows_are_reported_by_row_number_with_their_fields():
    text = csv_text(
        row(),
        row(email="not-an-email", max_mentees="-2"),
        row(email="b@pd.gov", state="Atlantis", bio="x" * 2001),
        row(email="c@pd.gov", availability="away", away_until="2024-01-01"),
        row(email="d@pd.gov", name="", expertise="juggling"),
    )
    leaders, report = parse_roster_csv(text, today=TODAY)
    assert [leader.email for leader in leaders] == ["maria@oakcreekpd.gov"]
    assert report.accepted_rows == (2,)
    assert rejected_fields(report) == {
        3: {"email", "max_mentees"},
        4: {"state", "bio"},
        5: {"away_until"},
        6: {"name", "expertise"},
    }
    assert report.to_dict()["rejected"][0]["row"] == 3


def test_row_numbers_follow_records_not_lines():
    text = csv_text(row(bio="line one\nline two"), row(email="bad"))
    leaders, report = parse_roster_csv(text, today=TODAY)
    assert leaders[0].bio == "line one\nline two"
    assert rejected_fields(report) == {3: {"email"}}


def test_rows_with_the_wrong_number_of_cells_are_rejected_whole():
    text = HEADER + "\r\n" + ",".join(row().values()) + ",extra\r\nMaria,Oak Creek PD\r\n"
    leaders, report = parse_roster_csv(text, today=TODAY)
    assert leaders == []
    assert rejected_fields(report) == {2: {"row"}, 3: {"row"}}


def test_blank_rows_are_skipped():
    text = csv_text(row()) + ",,,,,,,,,,,,\r\n\r\n"
    leaders, report = parse_roster_csv(text, today=TODAY)
    assert len(leaders) == 1 and report.total_rows == 1


def test_every_row_sharing_an_email_is_rejected():
    text = csv_text(row(), row(email="other@pd.gov"), row(email=" MARIA@OakCreekPD.gov "))
    leaders, report = parse_roster_csv(text, today=TODAY)
    assert [leader.email for leader in leaders] == ["other@pd.gov"]
    assert rejected_fields(report) == {2: {"email"}, 4: {"email"}}
    assert report.rejected[0].errors == ({"field": "email", "message": "also on row 4"},)


def test_emails_already_on_the_roster_are_rejected():
    leaders, report = parse_roster_csv(csv_text(row()), today=TODAY, existing_emails=["Maria@OakCreekPD.gov"])
    assert leaders == [] and rejected_fields(report) == {2: {"email"}}


def test_a_byte_order_mark_is_ignored():
    leaders, _ = parse_roster_csv("\ufeff" + csv_text(row()), today=TODAY)
    assert len(leaders) == 1


def test_export_then_import_round_trips():
    leaders = [
        Leader(name="Maria Lopez", agency="Oak Creek PD", title="Lieutenant", email="maria@oakcreekpd.gov",
               phone="+14145550134", state="WI", expertise=("hate-crime-investigation", "lgbtq-liaison"),
               bio='Says "hello", often.\nTwo lines.', max_mentees=0, away_until=date(2025, 4, 1),
               trusted_host=True, status="inactive"),
        Leader(name="Sam Carter", agency="Metro PD", title="Sergeant", email="sam@metropd.org", state="PR",
               bio="-minus first", status="alumni"),
    ]
    text = roster_to_csv(leaders)
    assert text.splitlines()[0] == HEADER
    imported, report = parse_roster_csv(text, today=TODAY)
    assert report.rejected == ()
    assert imported == leaders


def test_export_drops_a_return_date_that_has_passed():
    leader = Leader(name="A", agency="PD", title="Chief", email="a@pd.gov", state="NY", away_until=date(2025, 3, 1))
    text = roster_to_csv([leader], today=TODAY)
    imported, report = parse_roster_csv(text, today=TODAY)
    assert report.rejected == () and imported[0].away_until is None


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=x"])
def test_cells_that_spreadsheets_would_evaluate_get_an_apostrophe(cell):
    assert neutralize_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Maria", "", "'quoted", "a=b", "1+1"])
def test_other_cells_are_left_alone(cell):
    assert neutralize_formula(cell) == cell


def test_export_guards_every_cell_against_formula_injection():
    leader = Leader(name="=cmd|' /C calc'!A0", agency="@SUM(1+1)", title="-Chief", email="a@pd.gov",
                    phone="+14145550134", state="NY", bio="+bio")
    exported = next(csv.DictReader(io.StringIO(roster_to_csv([leader]))))
    for column in ("name", "agency", "title", "phone", "bio"):
        assert exported[column].startswith("'"), column
    imported, _ = parse_roster_csv(roster_to_csv([leader]), today=TODAY)
    assert imported == [leader]
