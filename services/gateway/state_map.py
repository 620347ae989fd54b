"""The map of the states the pages show (directory, screenings, coverage): a tile grid, one
square per state, DC and Puerto Rico, placed roughly where each lies. Drawn as SVG by the
server from data on this machine: no tiles or scripts from elsewhere, and it reads as a
list without them."""
from __future__ import annotations

from typing import Any, Iterable

# (column, row) of each tile on a 12 x 8 grid.
TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (11, 0),
    "VT": (10, 1), "NH": (11, 1),
    "WA": (1, 2), "ID": (2, 2), "MT": (3, 2), "ND": (4, 2), "MN": (5, 2), "IL": (6, 2), "WI": (7, 2),
    "MI": (8, 2), "NY": (9, 2), "RI": (10, 2), "MA": (11, 2),
    "OR": (1, 3), "NV": (2, 3), "WY": (3, 3), "SD": (4, 3), "IA": (5, 3), "IN": (6, 3), "OH": (7, 3),
    "PA": (8, 3), "NJ": (9, 3), "CT": (10, 3),
    "CA": (1, 4), "UT": (2, 4), "CO": (3, 4), "NE": (4, 4), "MO": (5, 4), "KY": (6, 4), "WV": (7, 4),
    "VA": (8, 4), "MD": (9, 4), "DE": (10, 4),
    "AZ": (2, 5), "NM": (3, 5), "KS": (4, 5), "AR": (5, 5), "TN": (6, 5), "NC": (7, 5), "SC": (8, 5),
    "DC": (9, 5),
    "OK": (4, 6), "LA": (5, 6), "MS": (6, 6), "AL": (7, 6), "GA": (8, 6),
    "HI": (1, 7), "TX": (4, 7), "FL": (9, 7), "PR": (11, 7),
}
TILE = 48  # px per tile in the drawing's own units; the SVG scales to its container
GAP = 4


def tiles(states: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each state given (a dict with `code`, `name`, and optionally `level` (a CSS class:
    none, low, some, many / red, amber, green), `label` (what the tile says it counts) and
    `href`) with its place on the grid, in reading order."""
    placed = []
    for state in states:
        column, row = TILES[state["code"]]
        placed.append({**state, "x": column * (TILE + GAP), "y": row * (TILE + GAP), "size": TILE})
    return sorted(placed, key=lambda s: (s["y"], s["x"]))


WIDTH = 12 * (TILE + GAP) - GAP
HEIGHT = 8 * (TILE + GAP) - GAP
