"""Partners' tables, in the screenings service's database: the records, and which
screenings and reports name each one."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.runtime.db import UTCDateTime

from ..models import Base


class PartnerRow(Base):
    __tablename__ = "partners"
    __table_args__ = (
        # One record per name (domain.name_key) in a state: the key a typed name is found by.
        sa.UniqueConstraint("name_key", "state", name="uq_partners_name_key_state"),
        sa.Index("ix_partners_state_name", "state", "name_key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(30))
    city: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    state: Mapped[str] = mapped_column(sa.String(2))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    website: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    contact_role: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    added_by: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ScreeningPartnerRow(Base):
    """A partner named on a screening (its `partners` list)."""

    __tablename__ = "screening_partners"

    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("screenings.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), primary_key=True, index=True)


class ReportPartnerRow(Base):
    """A partner named on a post-event report."""

    __tablename__ = "report_partners"

    screening_id: Mapped[str] = mapped_column(sa.ForeignKey("reports.screening_id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), primary_key=True, index=True)
