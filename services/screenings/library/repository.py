"""Library entries <-> rows. The library is small (hundreds to a few thousand entries), so a
search reads the entries in view and the domain's rules filter, rank and page them."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..films import Audience
from .domain import Query, Resource, ResourceKind, searchable_text, title_key
from .models import ResourceRow


def resource_from_row(row: Any) -> Resource:
    """An entry from its row (an ORM row or a Core row of the table)."""
    return Resource(
        id=row.id, key=row.key, title=row.title, publisher=row.publisher, kind=ResourceKind(row.kind),
        series=row.series, description=row.description, topics=tuple(json.loads(row.topics)),
        audiences=tuple(Audience(a) for a in json.loads(row.audiences)), url=row.url,
        added_at=row.added_at, updated_at=row.updated_at, retired_at=row.retired_at,
    )


def _write(row: ResourceRow, resource: Resource) -> None:
    row.key = resource.key
    row.title = resource.title
    row.publisher = resource.publisher
    row.kind = resource.kind.value
    row.series = resource.series
    row.description = resource.description
    row.topics = json.dumps(list(resource.topics))
    row.audiences = json.dumps([a.value for a in resource.audiences])
    row.url = resource.url
    row.search_text = searchable_text(resource)
    row.sort_title = title_key(resource.title)
    row.added_at = resource.added_at
    row.updated_at = resource.updated_at
    row.retired_at = resource.retired_at


class ResourceRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, resource_id: int, *, lock: bool = False) -> Resource | None:
        query = sa.select(ResourceRow).where(ResourceRow.id == resource_id)
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        return None if row is None else resource_from_row(row)

    def in_view(self, query: Query | None = None, *, include_retired: bool = False) -> list[Resource]:
        """The entries a search may find: all in public view (and the retired ones when
        asked), narrowed in SQL by the query's kind, topic, audience and words. The
        domain's rules still decide (`domain.search`): this only spares reading the rest."""
        return [resource_from_row(row) for row in self.session.execute(self._narrowed(query, include_retired))]

    def page_in_title_order(self, query: Query) -> tuple[int, list[Resource]]:
        """For a search without words, whose filters SQL applies exactly: how many match,
        and the query's page of them in title order (domain.title_key, kept as sort_title)."""
        narrowed = self._narrowed(query, False)
        total = self.session.execute(sa.select(sa.func.count()).select_from(narrowed.subquery())).scalar_one()
        table = ResourceRow.__table__
        paged = (narrowed.order_by(None).order_by(table.c.sort_title, table.c.id)
                 .offset((query.page - 1) * query.page_size).limit(query.page_size))
        return total, [resource_from_row(row) for row in self.session.execute(paged)]

    def _narrowed(self, query: Query | None, include_retired: bool) -> sa.Select:
        table = ResourceRow.__table__
        select = sa.select(*(c for c in table.c if c.name not in ("search_text", "sort_title"))).order_by(table.c.id)
        if not (include_retired or (query is not None and query.include_retired)):
            select = select.where(table.c.retired_at.is_(None))
        if query is not None:
            if query.kind is not None:
                select = select.where(table.c.kind == query.kind.value)
            # Lists are kept as JSON text: a quoted slug is found only as a whole item.
            if query.topic is not None:
                select = select.where(table.c.topics.contains(json.dumps(query.topic), autoescape=True))
            if query.audience is not None:
                select = select.where(table.c.audiences.contains(json.dumps(query.audience.value), autoescape=True))
            for term in query.terms:
                select = select.where(table.c.search_text.contains(term, autoescape=True))
        return select

    def keys(self) -> set[str]:
        return set(self.session.execute(sa.select(ResourceRow.key).where(ResourceRow.key.is_not(None))).scalars())

    def add(self, resource: Resource) -> Resource:
        row = ResourceRow()
        _write(row, resource)
        self.session.add(row)
        self.session.flush()
        return resource_from_row(row)

    def save(self, resource: Resource) -> Resource:
        row = self.session.get(ResourceRow, resource.id)
        _write(row, resource)
        self.session.flush()
        return resource_from_row(row)
