"""Leaders imported from a roster CSV (the file's rules: domain.roster_csv)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.contracts.leaders import LeaderDeactivated, LeaderUpdated
from services.runtime.errors import Conflict, ValidationFailed

from ..domain.leader import PROFILE_FIELDS, EmailInUse, leader_snapshot
from ..domain.roster_csv import parse_roster_csv
from ..schemas import text


def import_roster_csv(uow, csv_text: Any, *, now: datetime, dry_run: bool = False) -> dict[str, Any]:
    """Store every valid row and report each rejected row with its reasons; with
    `dry_run`, only report (the preview before an import: nothing stored, no events).

    Each new leader is announced with its full snapshot (leader_updated, or
    leader_deactivated for one imported as inactive or alumni) so projections pick it up.
    """
    leaders, report = parse_roster_csv(text(csv_text, "file"), today=now.date(),
                                       existing_emails=uow.leaders.email_keys())
    if dry_run is not False:
        if dry_run is not True:
            raise ValidationFailed("true or false", field="dry_run")
        return {**report.to_dict(), "accepted_rows": list(report.accepted_rows), "leader_ids": []}
    grouping = uow.program.get().region_grouping
    try:
        stored = uow.leaders.add_many(leaders, now)
    except EmailInUse:
        # Another import or approval took one of these addresses since we looked.
        raise Conflict("the roster changed during the import; nothing was stored, try again", field="file") from None
    for leader in stored:
        snapshot = leader_snapshot(leader, grouping)
        if leader.status == "active":
            uow.publish(LeaderUpdated(**snapshot, changed=PROFILE_FIELDS))
        else:
            uow.publish(LeaderDeactivated(**snapshot))
    return {**report.to_dict(), "accepted_rows": list(report.accepted_rows),
            "leader_ids": [leader.id for leader in stored]}
