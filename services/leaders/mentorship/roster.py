"""What the mentorship room takes from the roster's rules. Each is imported here only, so
the room depends on the roster in one place."""
from __future__ import annotations

from .. import regions

# The expertise vocabulary: a request's topic is one of its slugs, shown with its label.
from ..domain.expertise import EXPERTISE
# The training a leader completes before requests are offered to them.
from ..domain.training import MENTORING_MODULES


def topic_label(topic: str) -> str:
    return EXPERTISE.get(topic, topic)


def region_names(grouping: str) -> dict[str, str]:
    """State code -> region name (regions are data: derived, never stored)."""
    return {state: region.name for region in regions.regions(grouping) for state in region.states}


__all__ = ["EXPERTISE", "MENTORING_MODULES", "region_names", "topic_label"]
