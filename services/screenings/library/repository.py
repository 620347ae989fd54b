"""Library entries <-> rows. The library is small (hundreds to a few thousand entries), so a
search reads the entries in view and the domain's rules filter, rank and page them."""
from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..films import Audience
from .domain import Resource, ResourceKind
from .models import ResourceRow


def resource_from_row(row: ResourceRow) -> Resource:
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

    def in_view(self, *, include_retired: bool = False) -> list[Resource]:
        query = sa.select(ResourceRow).order_by(ResourceRow.id)
        if not include_retired:
            query = query.where(ResourceRow.retired_at.is_(None))
        return [resource_from_row(row) for row in self.session.execute(query).scalars()]

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
