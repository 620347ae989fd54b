"""Rate limits that one client cannot turn against others (README: "Rate limits").

- Every public form has budgets of its own: per client address and per target address
  (the email typed into it), so using up one form blocks neither another form nor
  another person's address.
- Sign-in: every attempt from an address counts against that address (`login_ip`);
  only failed attempts count against an account, and per account *and* address
  (`login_email`), so failures from elsewhere never stop the owner signing in.
- Each budget is a list of windows, short before long: going over waits out a minute at
  first, and longer only for a client that keeps on.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from . import auth, errors
from .errors import ApiError

LOGIN = "login"


def _bucket(name: str, limit: auth.Limit) -> str:
    return f"{name}#{limit.seconds}"


def _transaction(call, work) -> list[int]:
    """Run `work(session)` (returning waits) in a transaction; two replicas adding the same
    window at once, or a dropped connection, are tried once more."""
    for attempt in range(2):
        try:
            with call.db.transaction() as session:
                return [w for w in work(session) if w is not None]
        except IntegrityError:
            if attempt:
                raise
        except Exception as exc:  # noqa: BLE001 (re-raised unless a dropped connection)
            if attempt or not errors.is_dropped_connection(exc):
                raise
    raise AssertionError("unreachable")


def _refuse(waits: list[int]) -> None:
    if waits:
        wait = max(waits)
        raise ApiError(429, "too_many_requests", f"too many attempts; try again in {wait} seconds",
                       headers={"Retry-After": str(wait)})


def _email(call) -> str | None:
    email = getattr(call.body, "email", None) if call.body is not None else None
    return str(email).strip().lower() if email else None


def spend(call) -> None:
    """Before the handler: count this request, and refuse it when a budget is used up."""
    name = call.route.rate_limit
    limits = call.settings.rate_limits
    if name == LOGIN:
        spent = [(f"{LOGIN}_ip", call.client_ip)]
        email = _email(call)
        checked = [(f"{LOGIN}_email", f"{email}|{call.client_ip}")] if email else []
    else:
        form = call.route.operation_id
        spent = [(f"{name}_ip", f"{form}|{call.client_ip}")]
        email = _email(call)
        if email:
            spent.append((f"{name}_email", f"{form}|{email}"))
        checked = []

    def work(session) -> list[Any]:
        waits = [auth.spend(session, _bucket(bucket, limit), key, limit, call.now)
                 for bucket, key in spent for limit in limits[bucket]]
        waits += [auth.waiting(session, _bucket(bucket, limit), key, limit, call.now)
                  for bucket, key in checked for limit in limits[bucket]]
        return waits

    _refuse(_transaction(call, work))


def count_failed_login(call, email: str) -> None:
    """A wrong password or unknown account: counted against this account from this address."""
    key = f"{email.strip().lower()}|{call.client_ip}"
    bucket = f"{LOGIN}_email"
    _transaction(call, lambda session: [auth.spend(session, _bucket(bucket, limit), key, limit, call.now)
                                        for limit in call.settings.rate_limits[bucket]])
