"""The program's own settings: how regions are grouped and how big the roster should be."""
from __future__ import annotations

from dataclasses import dataclass

from ..regions import DEFAULT_GROUPING

DEFAULT_ROSTER_TARGET = 50


@dataclass(frozen=True)
class ProgramSettings:
    region_grouping: str = DEFAULT_GROUPING
    roster_target: int = DEFAULT_ROSTER_TARGET
