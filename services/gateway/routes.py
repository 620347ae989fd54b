"""Every HTTP route of the gateway: the JSON API (api/) and the pages (pages/) register
theirs in one table on import."""
from . import api, pages  # noqa: F401  (importing registers the routes)
from .api.table import ROUTES

__all__ = ["ROUTES"]
