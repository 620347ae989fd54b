"""RPC contracts of the mentorship methods."""
from __future__ import annotations
