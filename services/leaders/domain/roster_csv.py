"""The roster as CSV: validated import of a whole file row by row, and export.

Columns, in this order on export (any order is accepted on import):
  name, agency, title, email       required
  phone                            any common format; stored as E.164
  state                            two-letter code or full name
  expertise                        slugs or labels from EXPERTISE, separated by ';'
  bio                              up to BIO_MAX_LENGTH characters
  max_mentees                      0..MAX_MENTEES_LIMIT (blank: DEFAULT_MAX_MENTEES)
  availability, away_until         "available", or "away" with a future YYYY-MM-DD date
  trusted_host                     yes / no (blank: no)
  status                           active / inactive / alumni (blank: active)
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.runtime.errors import ValidationFailed

from .fields import Problems, comparable_email
from .leader import REQUIRED_LEADER_FIELDS, Leader, validate_leader

ROSTER_COLUMNS = (
    "name", "agency", "title", "email", "phone", "state", "expertise", "bio",
    "max_mentees", "availability", "away_until", "trusted_host", "status",
)
MAX_IMPORT_ROWS = 10_000

# Spreadsheets run a cell starting with one of these as a formula. Export prefixes such
# cells with an apostrophe (also cells already apostrophe-prefixed, so the round trip is
# exact); import removes exactly that one apostrophe again.
_FORMULA_TRIGGER = re.compile(r"^'*[=+\-@\t\r]")


def neutralize_formula(cell: str) -> str:
    return "'" + cell if _FORMULA_TRIGGER.match(cell) else cell


def _restore_neutralized(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA_TRIGGER.match(cell) else cell


@dataclass(frozen=True)
class RowRejection:
    row: int
    errors: tuple[dict, ...]


@dataclass(frozen=True)
class ImportReport:
    total_rows: int
    accepted_rows: tuple[int, ...]
    rejected: tuple[RowRejection, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "accepted": len(self.accepted_rows),
            "rejected": [{"row": r.row, "errors": list(r.errors)} for r in self.rejected],
        }


def _read_header(header: list[str]) -> list[str]:
    columns = [c.strip().lower() for c in header]
    problems = Problems()
    missing = [c for c in ROSTER_COLUMNS if c not in columns]
    unexpected = [c or "(blank)" for c in columns if c not in ROSTER_COLUMNS]
    repeated = sorted({c for c in columns if c in ROSTER_COLUMNS and columns.count(c) > 1})
    if missing:
        problems.add("columns", f"missing columns: {', '.join(missing)}")
    if unexpected:
        problems.add("columns", f"unexpected columns: {', '.join(unexpected)}")
    if repeated:
        problems.add("columns", f"repeated columns: {', '.join(repeated)}")
    problems.raise_if_any()
    return columns


def parse_roster_csv(
    text: str, *, today: date, existing_emails: Iterable[str] = ()
) -> tuple[list[Leader], ImportReport]:
    """Validate every row of a roster CSV; a row is either fully valid or rejected.

    Raises ValidationFailed (field "columns" or "file") when the file itself is unusable.
    Rows whose email repeats within the file are all rejected, since which one is right
    cannot be known; so is a row whose email is already in `existing_emails`.
    """
    try:
        records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as exc:
        raise ValidationFailed(f"not a readable CSV file: {exc}", field="file") from None
    if not records:
        raise ValidationFailed("the file is empty", field="file")
    columns = _read_header(records[0])
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2) if any(c.strip() for c in cells)]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(f"at most {MAX_IMPORT_ROWS} rows can be imported at once (got {len(rows)})",
                               field="file")

    on_roster = {comparable_email(e) for e in existing_emails}
    rows_by_email: dict[str, list[int]] = defaultdict(list)
    for number, cells in rows:
        if len(cells) == len(columns):
            key = comparable_email(cells[columns.index("email")])
            if key:
                rows_by_email[key].append(number)

    leaders: list[Leader] = []
    accepted: list[int] = []
    rejected: list[RowRejection] = []
    for number, cells in rows:
        if len(cells) != len(columns):
            problem = {"field": "row", "message": f"has {len(cells)} cells, expected {len(columns)}"}
            rejected.append(RowRejection(number, (problem,)))
            continue
        values = {column: _restore_neutralized(cell) for column, cell in zip(columns, cells)}
        data = {k: v for k, v in values.items() if v.strip() or k in REQUIRED_LEADER_FIELDS}
        errors: list[dict] = []
        leader: Leader | None = None
        try:
            leader = validate_leader(data, today=today)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        key = comparable_email(values["email"])
        others = [n for n in rows_by_email.get(key, []) if n != number]
        if others:
            errors.append({"field": "email", "message": f"also on row {', '.join(map(str, others))}"})
        if key and key in on_roster:
            errors.append({"field": "email", "message": "already on the roster"})
        if errors or leader is None:
            rejected.append(RowRejection(number, tuple(errors)))
        else:
            leaders.append(leader)
            accepted.append(number)
    return leaders, ImportReport(len(rows), tuple(accepted), tuple(rejected))


def _roster_row(leader: Leader, today: date | None) -> list[str]:
    away_until = leader.away_until
    if today is not None and away_until is not None and away_until <= today:
        away_until = None  # the leader is back; exporting a past date would not re-import
    cells = {
        "name": leader.name,
        "agency": leader.agency,
        "title": leader.title,
        "email": leader.email,
        "phone": leader.phone or "",
        "state": leader.state,
        "expertise": ";".join(leader.expertise),
        "bio": leader.bio,
        "max_mentees": str(leader.max_mentees),
        "availability": "away" if away_until else "available",
        "away_until": away_until.isoformat() if away_until else "",
        "trusted_host": "yes" if leader.trusted_host else "no",
        "status": leader.status,
    }
    return [neutralize_formula(cells[column]) for column in ROSTER_COLUMNS]


def roster_to_csv(leaders: Iterable[Leader], *, today: date | None = None) -> str:
    """The roster as CSV in ROSTER_COLUMNS order; with `today`, lapsed away dates export as available."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROSTER_COLUMNS)
    for leader in leaders:
        writer.writerow(_roster_row(leader, today))
    return out.getvalue()
