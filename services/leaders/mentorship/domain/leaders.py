"""A leader of the roster as the mentorship room sees them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Leader:
    """Who to name and write to in a request's events, and whether offers may still wait
    on them. The roster owns leaders; mentorship only reads them."""

    id: int
    name: str
    email: str
    agency: str = ""
    title: str = ""
    phone: str | None = None
    status: str = "active"
    away_until: date | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def unavailability(self, today: date) -> str | None:
        """Why offers can no longer wait on this leader `today` (they are away, or no
        longer active), or None when they can."""
        if self.status != "active":
            return f"leader {self.id} is {self.status}"
        if self.away_until is not None and self.away_until > today:
            return f"leader {self.id} is away until {self.away_until.isoformat()}"
        return None
