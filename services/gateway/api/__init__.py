"""The JSON API's routes. Importing the package registers them all in ROUTES."""
from . import accounts, coverage, docs, leaders, mail, manage, mentorship, screenings  # noqa: F401  (modules register their routes on import)
from .table import ROUTES

__all__ = ["ROUTES"]
