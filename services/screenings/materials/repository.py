"""Rows <-> materials orders."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import MaterialOrderRow
from .domain import MaterialOrder, Medium, OrderLines, OrderState

COLUMNS = ("screening_id", "ordered_by", "state", "medium", "guide_copies", "flyer_copies", "film_slug", "ship_to",
           "note", "late", "ordered_at", "amended_at", "sent_at", "tracking_note", "cancelled_at")


def order_from_row(row: MaterialOrderRow) -> MaterialOrder:
    return MaterialOrder(
        id=row.id, screening_id=row.screening_id, ordered_by=row.ordered_by, state=OrderState(row.state),
        lines=OrderLines(Medium(row.medium) if row.medium else None, row.guide_copies, row.flyer_copies),
        film_slug=row.film_slug, ship_to=row.ship_to, note=row.note, late=row.late, ordered_at=row.ordered_at,
        amended_at=row.amended_at, sent_at=row.sent_at, tracking_note=row.tracking_note,
        cancelled_at=row.cancelled_at,
    )


def _columns(order: MaterialOrder) -> dict:
    return {
        "screening_id": order.screening_id, "ordered_by": order.ordered_by, "state": order.state.value,
        "medium": order.lines.medium.value if order.lines.medium else None,
        "guide_copies": order.lines.guide_copies, "flyer_copies": order.lines.flyer_copies,
        "film_slug": order.film_slug, "ship_to": order.ship_to, "note": order.note, "late": order.late,
        "ordered_at": order.ordered_at, "amended_at": order.amended_at, "sent_at": order.sent_at,
        "tracking_note": order.tracking_note, "cancelled_at": order.cancelled_at,
    }


class MaterialOrderRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, order_id: str, *, lock: bool = False) -> MaterialOrder | None:
        if not isinstance(order_id, str) or len(order_id) > 36:
            return None
        query = sa.select(MaterialOrderRow).where(MaterialOrderRow.id == order_id)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        return None if row is None else order_from_row(row)

    def for_screening(self, screening_id: str) -> list[MaterialOrder]:
        query = (sa.select(MaterialOrderRow).where(MaterialOrderRow.screening_id == screening_id)
                 .order_by(MaterialOrderRow.ordered_at.desc(), MaterialOrderRow.id))
        return [order_from_row(row) for row in self.session.execute(query).scalars()]

    def open_for(self, screening_id: str) -> MaterialOrder | None:
        query = (sa.select(MaterialOrderRow)
                 .where(MaterialOrderRow.screening_id == screening_id, MaterialOrderRow.state == OrderState.OPEN.value)
                 .order_by(MaterialOrderRow.ordered_at))
        row = self.session.execute(query).scalars().first()
        return None if row is None else order_from_row(row)

    def search(self, state: OrderState | None, *, limit: int, offset: int) -> tuple[list[MaterialOrder], int]:
        """Orders in `state` (every state when None): open ones oldest first (the queue),
        others newest first."""
        where = [] if state is None else [MaterialOrderRow.state == state.value]
        total = self.session.execute(sa.select(sa.func.count()).select_from(MaterialOrderRow).where(*where)).scalar_one()
        order = (MaterialOrderRow.ordered_at.asc() if state is OrderState.OPEN
                 else MaterialOrderRow.ordered_at.desc())
        query = sa.select(MaterialOrderRow).where(*where).order_by(order, MaterialOrderRow.id).limit(limit).offset(offset)
        return [order_from_row(row) for row in self.session.execute(query).scalars()], total

    def save(self, order: MaterialOrder) -> None:
        row = self.session.get(MaterialOrderRow, order.id)
        if row is None:
            self.session.add(MaterialOrderRow(id=order.id, **_columns(order)))
        else:
            for name, value in _columns(order).items():
                setattr(row, name, value)
        self.session.flush()
