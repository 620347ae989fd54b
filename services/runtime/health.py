"""The `health` RPC every service offers: it answers once the service's database does."""
from __future__ import annotations

import sqlalchemy as sa

from .rpc import rpc


class HealthCheck:
    @rpc
    def health(self) -> dict:
        with self.db.transaction() as session:
            session.execute(sa.text("SELECT 1"))
        return {"service": self.name, "ok": True}
