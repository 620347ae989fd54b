"""The floor: one process, a threaded WSGI server (werkzeug, HTTP/1.1 keep-alive), no
broker and no RPC, answering the three benchmarked routes with the services' own query
functions on the same database files, engines made the same way (services.runtime.db).

Each route runs what the gateway and the services run for it, in the same transactions:
- /api/directory: leaders.views.directory, then the gateway's scrub;
- /api/screenings: screenings.views.search_screenings (public caller), then scrub;
- /api/coverage: the bearer token checked as the gateway checks it
  (gateway.auth.token_principal on the gateway database); then leaders coverage_leaders,
  coverage_mentorship and the overdue list_requests, screenings coverage_screenings,
  merged by gateway.coverage.merge and kept in the gateway's ReportCache with the
  gateway's default max age (`Cache-Control: no-cache` computes afresh, as in the gateway).

    python -m bench.api.floor '{"port": 0, "leaders": URI, "screenings": URI, "gateway": URI}'
prints "listening on PORT" once it serves.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import date, datetime, time, timedelta, timezone

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.gateway import auth, coverage
from services.gateway.api.common import scrub
from services.gateway.api.coverage import DEFAULT_DAYS_AHEAD, DEFAULT_DAYS_BACK, OVERDUE_LISTED, ReportCache
from services.gateway.settings import GatewaySettings
from services.leaders import views as leaders_views
from services.leaders.mentorship import views as mentorship_views
from services.runtime import clock
from services.runtime.db import Transactions, make_engine, session_factory
from services.runtime.errors import DomainError
from services.screenings import coverage as screenings_coverage, schemas as screenings_schemas, \
    views as screenings_views


class Floor:
    def __init__(self, uris: dict[str, str]):
        self.sessions = {name: session_factory(make_engine(uri)) for name, uri in uris.items()}
        self.reports = ReportCache()

    def transaction(self, name: str):
        return self.sessions[name].begin()

    def directory(self, request: Request):
        args = {k: request.args.get(k) for k in ("region", "state", "grouping") if k in request.args}
        if "expertise" in request.args:
            tags = request.args.getlist("expertise")
            args["expertise"] = tags[0] if len(tags) == 1 else tags
        for key in ("page", "limit"):
            if key in request.args:
                args[key] = int(request.args[key])
        with self.transaction("leaders") as session:
            return scrub(leaders_views.directory(session, **args))

    def screenings(self, request: Request):
        filters = screenings_schemas.parse(screenings_schemas.SearchFilters, dict(request.args.items()),
                                           prefix="filters")
        with self.transaction("screenings") as session:
            return scrub(screenings_views.search_screenings(session, filters, None))

    def coverage(self, request: Request):
        now = clock.now()
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        principal = None
        if scheme.lower() == "bearer":
            unit = Transactions(self.sessions["gateway"])  # one per request, as a gateway worker has
            try:
                principal = auth.token_principal(unit, secret.strip(), now)
            finally:
                unit.close()
        if principal is None or not principal.is_manager:
            return Response(json.dumps({"error": "unauthorized"}), status=401, content_type="application/json")
        start = date.fromisoformat(request.args["window_start"]) if "window_start" in request.args else \
            now.date() - timedelta(days=DEFAULT_DAYS_BACK)
        end = date.fromisoformat(request.args["window_end"]) if "window_end" in request.args else \
            start + timedelta(days=DEFAULT_DAYS_BACK + DEFAULT_DAYS_AHEAD)
        grouping = request.args.get("grouping")
        max_age = timedelta(seconds=GatewaySettings().coverage_max_age_seconds)
        fresh = "no-cache" in request.headers.get("Cache-Control", "").lower()
        body = self.reports.get((start, end, grouping), now, max_age,
                                lambda: self._coverage(now, start, end, grouping), fresh=fresh)
        return Response(body, content_type="application/json", headers={"Cache-Control": "no-store"})

    def _coverage(self, now, start: date, end: date, grouping: str | None) -> bytes:
        start_at = datetime.combine(start, time(), tzinfo=timezone.utc).isoformat()
        end_at = datetime.combine(end + timedelta(days=1), time(), tzinfo=timezone.utc).isoformat()
        with self.transaction("leaders") as session:
            leaders = leaders_views.coverage_leaders(session, grouping=grouping, today=now.date(),
                                                   mentee_load=mentorship_views.mentee_load())
        with self.transaction("leaders") as session:
            mentoring = mentorship_views.coverage_mentorship(session, now=now, grouping=grouping,
                                                           window_start=start_at, window_end=end_at)
        window = screenings_schemas.parse(screenings_schemas.CoverageWindow,
                                          {"window_start": start_at, "window_end": end_at, "grouping": grouping})
        with self.transaction("screenings") as session:
            screenings = screenings_coverage.coverage_screenings(session, window, now)
        with self.transaction("leaders") as session:
            overdue = mentorship_views.list_requests(session, now=now, overdue=True, grouping=grouping,
                                                   limit=OVERDUE_LISTED)
        report = coverage.merge(leaders, mentoring, screenings, overdue.get("requests", []),
                                window_start=start.isoformat(), window_end=end.isoformat())
        return json.dumps(report, default=str).encode()  # encoded once, as the gateway does

    def __call__(self, environ, start_response):
        request = Request(environ)
        handler = {"/api/directory": self.directory, "/api/screenings": self.screenings,
                   "/api/coverage": self.coverage}.get(request.path)
        try:
            if handler is None:
                response = Response(json.dumps({"error": "not_found"}), status=404, content_type="application/json")
            else:
                result = handler(request)
                response = result if isinstance(result, Response) else Response(
                    json.dumps(result, default=str), content_type="application/json",
                    headers={"Cache-Control": "no-store"})
        except DomainError as exc:
            response = Response(json.dumps({"error": str(exc)}), status=422, content_type="application/json")
        except Exception:  # noqa: BLE001  (counted as an error by the load generator)
            logging.getLogger(__name__).exception("floor request failed")
            response = Response(json.dumps({"error": "internal"}), status=500, content_type="application/json")
        return response(environ, start_response)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    spec = json.loads(argv[0])
    server = make_server("127.0.0.1", int(spec.get("port", 0)),
                         Floor({k: spec[k] for k in ("leaders", "screenings", "gateway")}), threaded=True)
    print(f"listening on {server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
