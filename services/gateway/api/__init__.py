"""The JSON API's routes. Importing the package registers them all in ROUTES."""
from . import accounts, coverage, docs, invitations, leaders, mail, mentorship, screenings  # noqa: F401  (modules register their routes on import)
from .table import ROUTES

__all__ = ["ROUTES"]
