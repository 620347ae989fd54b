"""Events published by the mailer side (payload contracts)."""
from __future__ import annotations

from .envelope import Payload
from .registry import event
