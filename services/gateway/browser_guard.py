"""What the gateway tells browsers on every response, and the checks that keep another site
from acting through a visitor's browser.

- Security headers on every response, set once at the WSGI edge: the pages load nothing
  but this site's own stylesheet, icon and forms (no inline script or style), and may not
  be framed.
- Login CSRF: the sign-in form carries a token that must match a cookie set with the form
  (double submit), so another site cannot sign a visitor in to an account of its choosing.
- An unsafe request a browser marks as coming from another site (`Sec-Fetch-Site:
  cross-site`) is refused on every route; clients other than browsers do not send it.
"""
from __future__ import annotations

import hmac
import re
import secrets

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"

SIGNIN_COOKIE = "niot_signin"
SIGNIN_FIELD = "signin_token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def add_security_headers(headers, *, https: bool) -> None:
    """Onto a werkzeug Headers object; a header a route set itself is kept."""
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)


def cross_site(request) -> bool:
    """Whether a browser says this request was started by another site."""
    return request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"


def signin_token(request) -> str:
    """The token for a sign-in form: the browser's current one, or a new one (then the
    response must set it, see `signin_cookie`)."""
    current = request.cookies.get(SIGNIN_COOKIE, "")
    return current if _TOKEN.fullmatch(current) else secrets.token_urlsafe(32)


def signin_cookie(token: str, secure: bool) -> tuple[str, str, dict]:
    return (SIGNIN_COOKIE, token, {"max_age": 2 * 3600, "httponly": True, "samesite": "Strict", "path": "/",
                                   "secure": secure})


def signin_token_ok(request, presented: str | None) -> bool:
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    return bool(presented) and bool(_TOKEN.fullmatch(cookie)) and hmac.compare_digest(cookie, presented)
