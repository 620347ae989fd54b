"""Serving the route table over HTTP inside the nameko service.

One entrypoint receives every request: the WSGI app of nameko's web server hands it the
request, and a worker (with the service's database and RPC dependencies) runs
`dispatch`. Dispatch order: route match -> body size -> caller -> access level ->
CSRF -> object owner -> rate limit -> query and body validation -> handler. Every
failure on the way is answered in the one JSON error shape.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, get_args, get_origin

import eventlet
from eventlet.event import Event
from nameko.exceptions import RpcTimeout
from nameko.extensions import Entrypoint
from eventlet import wsgi
from nameko.web.server import HttpOnlyProtocol, WebServer
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound as RouteNotFound, RequestEntityTooLarge
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from services.contracts import rpc as rpc_contracts
from services.runtime import clock
from services.runtime.errors import DomainError

from . import auth, browser_guard, errors, idempotency, input_checks, rate_limits
from .error_pages import error_page, wants_html
from .errors import ApiError
from .routing import LEADER, MANAGER, MAX_ID, PUBLIC, SIGNED_IN, Route
from .settings import GatewaySettings
from .static import serve_static
from .templating import layout, render_page

log = logging.getLogger(__name__)
# Method, route template and status only: never the actual path, query or body, which
# may hold link tokens or addresses.
access_log = logging.getLogger("services.gateway.access")

@dataclass
class Reply:
    """A non-default response from a handler: another status, content type or headers."""

    body: Any = None
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[tuple[str, str, dict]] = field(default_factory=list)


def call_service(gateway, service: str, method: str, *args, **kwargs) -> Any:
    """A call from the gateway (its `rpc` and `settings`) to a service, bound to the
    method's contract first (a method or parameter it does not have is a bug here, refused
    before anything is sent) and given up after the RPC timeout."""
    rpc_contracts.bind(service, method, args, kwargs, check_types=gateway.settings.check_rpc)
    with eventlet.Timeout(gateway.settings.rpc_timeout_seconds, RpcTimeout(f"{service}.{method}")):
        return getattr(getattr(gateway.rpc, service), method)(*args, **kwargs)


class Call:
    """Everything a handler needs about one request."""

    def __init__(self, service, request: Request, route: Route, path: dict[str, Any]):
        self.service = service
        self.request = request
        self.route = route
        self.path = path
        self.caller: auth.Principal | None = None
        self.query: BaseModel | None = None
        self.body: BaseModel | None = None
        self.now: datetime = clock.now()
        self.settings: GatewaySettings = service.settings
        self.idempotency: tuple[str, str] | None = None  # (scope, key) of a request being recorded

    @property
    def db(self):
        return self.service.db

    def rpc(self, service: str, method: str, *args, **kwargs) -> Any:
        """Call a service; its refusals become HTTP errors, its absence a 503."""
        try:
            return call_service(self.service, service, method, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001  (mapped or re-raised below)
            raise errors.from_service_error(exc, service) from None

    def request_key(self, *parts: str) -> str | None:
        """What lets a service carry out this request once (idempotency.request_key)."""
        return idempotency.request_key(self, *parts)

    def rpc_many(self, *calls: tuple[str, str, tuple, dict]) -> list[Any]:
        """Several service calls at once (each `(service, method, args, kwargs)`): all are
        sent before any reply is awaited, so the latency is that of the slowest."""
        for service, method, args, kwargs in calls:
            rpc_contracts.bind(service, method, args, kwargs, check_types=self.settings.check_rpc)
        timeout = self.settings.rpc_timeout_seconds
        with eventlet.Timeout(timeout, RpcTimeout("several services")):
            pending = []
            for service, method, args, kwargs in calls:
                try:
                    pending.append((service, getattr(getattr(self.service.rpc, service), method).call_async(
                        *args, **kwargs)))
                except Exception as exc:  # noqa: BLE001
                    raise errors.from_service_error(exc, service) from None
            results = []
            for service, reply in pending:
                try:
                    results.append(reply.result())
                except Exception as exc:  # noqa: BLE001
                    raise errors.from_service_error(exc, service) from None
            return results

    @property
    def client_ip(self) -> str:
        hops = self.settings.trusted_proxy_hops
        forwarded = [part.strip() for part in self.request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if hops and len(forwarded) >= hops:
            return forwarded[-hops]
        return self.request.remote_addr or "unknown"

    @property
    def viewer(self) -> auth.Principal | None:
        """Who is signed in, for showing the page (header, links): the caller on routes
        that authenticate, else the session's owner if any. Public routes still act the
        same for everyone; this only changes what the page shows."""
        if self.caller is not None:
            return self.caller
        if not hasattr(self, "_viewer"):
            self._viewer = _viewer(self.service, self.request)
        return self._viewer

    def require_caller(self) -> auth.Principal:
        if self.caller is None:
            raise errors.unauthorized()
        return self.caller

    def is_manager(self) -> bool:
        return self.caller is not None and self.caller.is_manager


# --- the nameko side --------------------------------------------------------------------

class GatewayWebServer(WebServer):
    """nameko's web server with the gateway's WSGI app in place of its per-entrypoint map."""

    def get_wsgi_app(self):
        return GatewayWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        # eventlet's access log prints the whole request line, query string included, where
        # set-up tokens and searched addresses would land; dispatch logs path and status only.
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug,
                           log=logging.getLogger(__name__), log_output=False)


class GatewayWsgiApp:
    def __init__(self, server: GatewayWebServer):
        self.server = server

    def __call__(self, environ, start_response):
        try:
            if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
                # The server decodes the chunks and ends the stream; without this flag the
                # body would be read as empty (there is no Content-Length).
                environ["wsgi.input_terminated"] = True
            request = Request(environ)
            providers = list(self.server._providers)
            response = providers[0].handle_request(request)
        except Exception:
            log.exception("request failed before reaching a worker")
            response = errors.internal_error_response()
        browser_guard.add_security_headers(response.headers, https=environ.get("wsgi.url_scheme") == "https")
        return response(environ, start_response)


class HttpGateway(Entrypoint):
    """The one entrypoint of the gateway: the decorated method receives each request."""

    server = GatewayWebServer()

    def setup(self):
        self.server.register_provider(self)

    def stop(self):
        self.server.unregister_provider(self)
        super().stop()

    def handle_request(self, request: Request) -> Response:
        done = Event()
        self.container.spawn_worker(self, (request,), {}, handle_result=partial(self._result, done))
        response, exc_info = done.wait()
        if exc_info is not None:
            log.error("gateway worker failed", exc_info=exc_info)
            return errors.internal_error_response()
        return response

    @staticmethod
    def _result(done: Event, worker_ctx, result, exc_info):
        done.send((result, exc_info))
        return result, exc_info


http_gateway = HttpGateway.decorator


# --- dispatch ---------------------------------------------------------------------------

_url_maps: dict[int, Map] = {}


def dispatch(service, request: Request, routes) -> Response:
    asset = serve_static(request)
    if asset is not None:
        return asset
    url_map = _url_maps.get(id(routes))
    if url_map is None:
        url_map = _url_maps[id(routes)] = routes.url_map()
    adapter = url_map.bind_to_environ(request.environ)
    try:
        route, path = adapter.match()
    except MethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.valid_methods or []))
        return _unrouted(service, request, ApiError(405, "method_not_allowed", f"use {allowed}",
                                                    headers={"Allow": allowed}))
    except RouteNotFound:
        return _unrouted(service, request, errors.not_found(f"no route for {request.path}"))
    except Exception as exc:  # redirects for slashes are not used; anything else is a bad URL
        return _unrouted(service, request, errors.bad_request(f"bad URL: {exc}"))
    if any(isinstance(v, int) and v > MAX_ID for v in path.values()):
        return _unrouted(service, request, errors.not_found(f"no resource at {request.path}"))
    try:
        input_checks.check_path(path)
    except ApiError as exc:
        return _unrouted(service, request, exc)
    call = Call(service, request, route, path)
    response = _respond(call)
    access_log.info("%s %s %s", route.method, route.openapi_path, response.status_code)
    return response


def _unrouted(service, request: Request, error: ApiError) -> Response:
    if not wants_html(request):
        return errors.error_response(error)
    if error.status == 404:
        error = errors.not_found(f"There is no page at {request.path}.")
    return error_page(request, error, _viewer(service, request))


def _viewer(service, request: Request) -> auth.Principal | None:
    """Who is signed in, for the page's header only (public pages act the same for all)."""
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return auth.session_principal(service.db, cookie, clock.now())
    except Exception:  # a header is not worth failing a page for
        log.warning("could not read the session for a page header", exc_info=True)
        return None


def _respond(call: Call) -> Response:
    response = _answer(call)
    idempotency.finish(call, response)
    return response


def _answer(call: Call) -> Response:
    route = call.route
    try:
        return _render(call, _run(call))
    except ApiError as exc:
        return _refusal(call, exc)
    except DomainError as exc:
        return _refusal(call, errors.from_service_error(exc, "gateway"))
    except Exception as exc:
        if errors.is_database_outage(exc):
            log.warning("database unavailable in %s %s: %s", route.method, route.openapi_path, exc)
            return _refusal(call, errors.database_unavailable())
        log.exception("unhandled error in %s %s", route.method, route.openapi_path)
        return _refusal(call, errors.internal_error())


def _refusal(call: Call, exc: ApiError) -> Response:
    if not wants_html(call.request, call.route):
        return errors.error_response(exc)
    if exc.status == 422 and call.route.invalid is not None:
        try:
            return _render(call, call.route.invalid(call, exc))
        except ApiError as refusal:
            # The form could not be shown again (an unknown id in the path, a service down):
            # that refusal is what the person needs to see.
            return error_page(call.request, refusal, call.viewer)
    if exc.status == 401:
        # A page a browser may not see without signing in: the sign-in form, right here.
        token = browser_guard.signin_token(call.request)
        body = render_page("signin.html", title="Sign in", error=None, next=call.request.path,
                           signin_token=token, **layout(None, call.request.path))
        headers = {"Cache-Control": "no-store", **exc.headers}
        response = Response(body, status=exc.status, headers=headers, content_type="text/html; charset=utf-8")
        name, value, options = browser_guard.signin_cookie(token, call.settings.secure_cookies)
        response.set_cookie(name, value, **options)
        return response
    return error_page(call.request, exc, call.viewer)


def _run(call: Call) -> Any:
    route = call.route
    request = call.request
    limit = call.settings.max_body_bytes
    # One byte over: a chunked body (no Content-Length) is read up to this and then
    # refused as too large when it reaches it, rather than cut short silently.
    request.max_content_length = limit + 1
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "payload_too_large", f"the request body is over {limit} bytes")

    # Public routes ignore any session: they act the same for everyone, so a forged
    # cross-site request gains nothing from the victim's cookie.
    if route.unsafe and browser_guard.cross_site(request):
        raise ApiError(403, "csrf_failed", "this request was started by another site")
    if route.access != PUBLIC:
        call.caller = _authenticate(call)
    if route.access in (SIGNED_IN, LEADER, MANAGER) and call.caller is None:
        raise errors.unauthorized()
    if route.access == MANAGER and not call.caller.is_manager:
        raise errors.forbidden("program managers only")
    if call.caller is not None and route.unsafe and not auth.csrf_ok(call.caller, _csrf_presented(request)):
        raise ApiError(403, "csrf_failed", f"send the session's CSRF token in the {auth.CSRF_HEADER} header")
    if route.access == LEADER and not call.caller.is_manager:
        owner = route.owner(call)
        if not call.caller.owns(owner):
            raise errors.forbidden("you may act only on your own records")

    input_checks.check_query(request.args)
    call.query = _parse_query(route, request)
    call.body = _parse_body(route, request)
    if route.rate_limit:
        rate_limits.spend(call)
    replayed = idempotency.begin(call)
    if replayed is not None:
        return replayed
    return route.handler(call)


def _authenticate(call: Call) -> auth.Principal | None:
    request = call.request
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise errors.unauthorized("the Authorization header must be 'Bearer <token>'")
        principal = auth.token_principal(call.db, secret.strip(), call.now)
        if principal is None:
            raise errors.unauthorized("this API token is unknown or revoked")
        return principal
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if cookie:
        return auth.session_principal(call.db, cookie, call.now)
    return None


def _csrf_presented(request: Request) -> str | None:
    presented = request.headers.get(auth.CSRF_HEADER)
    if presented is None and request.mimetype == "application/x-www-form-urlencoded":
        presented = request.form.get(auth.CSRF_FORM_FIELD)
    return presented


def _is_list(annotation) -> bool:
    if get_origin(annotation) in (list, tuple):
        return True
    return any(get_origin(arg) in (list, tuple) for arg in get_args(annotation))


def _parse_query(route: Route, request: Request) -> BaseModel | None:
    if route.query is None:
        return None
    raw: dict[str, Any] = {}
    for name, info in route.query.model_fields.items():
        key = info.alias or name
        if key not in request.args:
            continue
        raw[key] = request.args.getlist(key) if _is_list(info.annotation) else request.args.get(key)
    try:
        return route.query.model_validate(raw)
    except ValidationError as exc:
        raise errors.from_validation_error(exc) from None


def _parse_body(route: Route, request: Request) -> BaseModel | None:
    if route.body is None:
        return None
    try:
        if route.form and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            data: Any = {k: v for k, v in request.form.items()
                         if k not in (auth.CSRF_FORM_FIELD, browser_guard.SIGNIN_FIELD, idempotency.FORM_FIELD)}
            input_checks.check_text(data)
        else:
            raw = request.get_data(cache=True)
            if len(raw) >= request.max_content_length:
                raise RequestEntityTooLarge()
            if not raw.strip():
                data = {}
            elif request.mimetype not in ("application/json", ""):
                raise ApiError(415, "unsupported_media_type", "send the body as application/json")
            else:
                input_checks.check_json_depth(raw)
                try:
                    data = json.loads(raw)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise errors.bad_request(f"the body is not valid JSON: {exc}") from None
                input_checks.check_text(data)
    except RequestEntityTooLarge:
        raise ApiError(413, "payload_too_large",
                       f"the request body is over {request.max_content_length - 1} bytes") from None
    try:
        return route.body.model_validate(data)
    except ValidationError as exc:
        raise errors.from_validation_error(exc) from None


def _render(call: Call, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    reply = result if isinstance(result, Reply) else Reply(body=result, status=call.route.status,
                                                         content_type=call.route.content_type)
    if reply.content_type == "application/json":
        body = reply.body.model_dump(mode="json") if isinstance(reply.body, BaseModel) else reply.body
        payload: bytes | str
        if reply.status == 204:
            payload = b""
        elif isinstance(body, bytes):
            payload = body  # encoded already
        else:
            payload = json.dumps(body, default=str)
        content_type = "application/json"
    else:
        payload = reply.body if reply.body is not None else ""
        content_type = reply.content_type
        if content_type.startswith("text/") and "charset" not in content_type:
            content_type += "; charset=utf-8"
    headers = {"Cache-Control": "no-store", **reply.headers}
    response = Response(payload, status=reply.status, headers=headers, content_type=content_type)
    for name, value, options in reply.cookies:
        response.set_cookie(name, value, **options)
    return response


def session_cookie_options(call: Call, max_age: int | None) -> dict:
    return {"max_age": max_age, "httponly": True, "samesite": "Lax", "path": "/",
            "secure": call.settings.secure_cookies}

