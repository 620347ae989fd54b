"""Partner records <-> rows, and the links from screenings and reports to them."""
from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .domain import Partner, PartnerKind, name_key
from .models import PartnerRow, ReportPartnerRow, ScreeningPartnerRow


def partner_from_row(row: Any) -> Partner:
    return Partner(id=row.id, name=row.name, kind=PartnerKind(row.kind), state=row.state, city=row.city,
                   postal_code=row.postal_code, website=row.website, contact_role=row.contact_role,
                   added_by=row.added_by, added_at=row.added_at, updated_at=row.updated_at)


def _write(row: PartnerRow, partner: Partner) -> None:
    row.name = partner.name
    row.name_key = name_key(partner.name)
    row.kind = partner.kind.value
    row.city = partner.city
    row.state = partner.state
    row.postal_code = partner.postal_code
    row.website = partner.website
    row.contact_role = partner.contact_role
    row.added_by = partner.added_by
    row.added_at = partner.added_at
    row.updated_at = partner.updated_at


class PartnerRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, partner_id: int, *, lock: bool = False) -> Partner | None:
        query = sa.select(PartnerRow).where(PartnerRow.id == partner_id)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        return None if row is None else partner_from_row(row)

    def with_names(self, names: Iterable[str], state: str) -> dict[tuple[str, str], Partner]:
        """The records in `state` whose names match any of `names` (by domain.name_key)."""
        keys = {name_key(n) for n in names} - {""}
        if not keys:
            return {}
        rows = self.session.execute(sa.select(PartnerRow).where(PartnerRow.state == state,
                                                                PartnerRow.name_key.in_(keys))).scalars()
        found = [partner_from_row(r) for r in rows]
        return {p.key: p for p in found}

    def taken(self, partner: Partner) -> bool:
        """Whether another record has this partner's name in its state."""
        query = sa.select(PartnerRow.id).where(PartnerRow.name_key == name_key(partner.name),
                                               PartnerRow.state == partner.state)
        if partner.id is not None:
            query = query.where(PartnerRow.id != partner.id)
        return self.session.execute(query.limit(1)).first() is not None

    def add(self, partner: Partner) -> Partner:
        row = PartnerRow()
        _write(row, partner)
        self.session.add(row)
        self.session.flush()
        return partner_from_row(row)

    def add_unless_named(self, partner: Partner) -> tuple[Partner, bool]:
        """Add the partner, or, when another transaction has meanwhile added one of that
        name in that state (two events naming a new partner at once), that one: (the
        record, whether this call added it)."""
        try:
            with self.session.begin_nested():
                return self.add(partner), True
        except IntegrityError:
            existing = self.with_names([partner.name], partner.state).get(partner.key)
            if existing is None:
                raise
            return existing, False

    def save(self, partner: Partner) -> Partner:
        row = self.session.get(PartnerRow, partner.id)
        _write(row, partner)
        self.session.flush()
        return partner_from_row(row)

    def search(self, *, states: Iterable[str] | None, kind: PartnerKind | None, text: str | None,
               limit: int, offset: int) -> tuple[int, list[Partner]]:
        select = sa.select(PartnerRow)
        if states is not None:
            select = select.where(PartnerRow.state.in_(list(states)))
        if kind is not None:
            select = select.where(PartnerRow.kind == kind.value)
        if text:
            select = select.where(PartnerRow.name_key.contains(name_key(text), autoescape=True))
        total = self.session.execute(sa.select(sa.func.count()).select_from(select.subquery())).scalar_one()
        rows = self.session.execute(select.order_by(PartnerRow.state, PartnerRow.name_key, PartnerRow.id)
                                    .offset(offset).limit(limit)).scalars()
        return total, [partner_from_row(r) for r in rows]

    def link_screening(self, screening_id: str, partners: Iterable[Partner]) -> None:
        """The screening names exactly these partners (replacing what it named before)."""
        self.session.execute(sa.delete(ScreeningPartnerRow).where(ScreeningPartnerRow.screening_id == screening_id))
        for partner_id in dict.fromkeys(p.id for p in partners):
            self.session.add(ScreeningPartnerRow(screening_id=screening_id, partner_id=partner_id))
        self.session.flush()

    def link_report(self, screening_id: str, partners: Iterable[Partner]) -> None:
        for partner_id in dict.fromkeys(p.id for p in partners):
            self.session.add(ReportPartnerRow(screening_id=screening_id, partner_id=partner_id))
        self.session.flush()

    def of_screening(self, screening_id: str) -> list[Partner]:
        """The partners a screening or its report names, by name."""
        ids = sa.union(
            sa.select(ScreeningPartnerRow.partner_id).where(ScreeningPartnerRow.screening_id == screening_id),
            sa.select(ReportPartnerRow.partner_id).where(ReportPartnerRow.screening_id == screening_id),
        ).subquery()
        rows = self.session.execute(sa.select(PartnerRow).where(PartnerRow.id.in_(sa.select(ids.c[0])))
                                    .order_by(PartnerRow.name_key)).scalars()
        return [partner_from_row(r) for r in rows]
