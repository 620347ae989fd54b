"""RPC contracts of the leaders methods."""
from __future__ import annotations
