"""RPC contracts of the screenings methods."""
from __future__ import annotations
