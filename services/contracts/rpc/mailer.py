"""RPC contracts of the mailer methods."""
from __future__ import annotations
