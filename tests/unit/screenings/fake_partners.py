"""The partners repository in memory, over the fakes' Store (same methods as
services.screenings.partners.repository)."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from services.screenings.partners.domain import Partner, PartnerKind, name_key


class FakePartners:
    def __init__(self, store):
        self.store = store

    def get(self, partner_id: int, *, lock: bool = False) -> Partner | None:
        return self.store.partners.get(partner_id)

    def with_names(self, names: Iterable[str], state: str) -> dict[tuple[str, str], Partner]:
        keys = {name_key(n) for n in names}
        return {p.key: p for p in self.store.partners.values() if p.state == state and name_key(p.name) in keys}

    def taken(self, partner: Partner) -> bool:
        return any(p.key == partner.key and p.id != partner.id for p in self.store.partners.values())

    def add(self, partner: Partner) -> Partner:
        added = replace(partner, id=len(self.store.partners) + 1)
        self.store.partners[added.id] = added
        return added

    def add_unless_named(self, partner: Partner) -> tuple[Partner, bool]:
        existing = next((p for p in self.store.partners.values() if p.key == partner.key), None)
        return (existing, False) if existing is not None else (self.add(partner), True)

    def save(self, partner: Partner) -> Partner:
        self.store.partners[partner.id] = partner
        return partner

    def search(self, *, states, kind: PartnerKind | None, text: str | None, limit: int, offset: int):
        found = sorted((p for p in self.store.partners.values()
                        if (states is None or p.state in states) and (kind is None or p.kind is kind)
                        and (not text or name_key(text) in name_key(p.name))),
                       key=lambda p: (p.state, name_key(p.name), p.id))
        return len(found), found[offset:offset + limit]

    def link_screening(self, screening_id: str, partners: Iterable[Partner]) -> None:
        self.store.screening_partners[screening_id] = list(dict.fromkeys(p.id for p in partners))

    def link_report(self, screening_id: str, partners: Iterable[Partner]) -> None:
        self.store.report_partners[screening_id] = list(dict.fromkeys(p.id for p in partners))

    def of_screening(self, screening_id: str) -> list[Partner]:
        ids = {*self.store.screening_partners.get(screening_id, []), *self.store.report_partners.get(screening_id, [])}
        return sorted((self.store.partners[i] for i in ids), key=lambda p: name_key(p.name))
