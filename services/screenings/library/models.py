"""The resource library's table, in the screenings service's database."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from services.runtime.db import UTCDateTime

from ..models import Base


class ResourceRow(Base):
    __tablename__ = "library_resources"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    # The seed's stable name (None for entries a program manager added).
    key: Mapped[str | None] = mapped_column(sa.String(120), nullable=True, unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    publisher: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(30))
    series: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    description: Mapped[str] = mapped_column(sa.Text)
    topics: Mapped[str] = mapped_column(sa.Text)  # JSON list of topic slugs (services.contracts.topics)
    audiences: Mapped[str] = mapped_column(sa.Text)  # JSON list of audience slugs
    url: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)
    # domain.searchable_text of the entry, kept so a search with words reads only the entries holding them.
    search_text: Mapped[str] = mapped_column(sa.Text)
    # domain.title_key of the title: the order of a search without words, kept to page it in SQL.
    sort_title: Mapped[str] = mapped_column(sa.String(300), index=True)
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # null: seeded
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
