"""The gateway's one route table; the modules of this package add their routes to it."""
from services.gateway.routing import RouteTable

ROUTES = RouteTable()
