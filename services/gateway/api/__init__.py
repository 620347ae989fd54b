"""The JSON API's routes. Importing the package registers them all in ROUTES."""
from . import (  # noqa: F401  (modules register their routes on import)
    accounts, coverage, docs, invitations, leaders, library, mail, manage, materials, mentorship, partners,
    screenings, urgent,
)
from .table import ROUTES

__all__ = ["ROUTES"]
