"""Events published by the screenings side (payload contracts)."""
from __future__ import annotations

from .envelope import Payload
from .registry import event
