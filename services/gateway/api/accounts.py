"""Signing in and out, accounts, personal API tokens and account set-up links."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import StringConstraints

from sqlalchemy.exc import IntegrityError

from services.gateway import app, auth, email_change, rate_limits
from services.gateway.errors import unauthorized
from services.gateway.http import Call, Reply, session_cookie_options
from services.gateway.routing import MANAGER, PUBLIC, SIGNED_IN
from services.gateway.schemas import (
    ACCOUNT_SCHEMA,
    SESSION_SCHEMA,
    TOKEN_SCHEMA,
    AccountIn,
    AccountsQuery,
    Email,
    LoginIn,
    SetupIn,
    Strict,
    TokenIn,
    list_of,
)
from services.runtime.errors import Conflict, ValidationFailed

from .table import ROUTES

route = ROUTES.route
TAG = "Accounts"


def _session_hours(call: Call) -> timedelta:
    return timedelta(hours=float(call.settings.session_hours))


@route("POST", "/api/session", access=PUBLIC, tag=TAG, body=LoginIn, response=SESSION_SCHEMA, rate_limit="login",
       summary="Sign in with email and password", status=201, extra_statuses=(401,),
       description="Sets an HttpOnly session cookie and returns the CSRF token to send on unsafe requests.")
def login(call: Call):
    with call.db.transaction() as session:
        account = app.check_credentials(session, call.body.email, call.body.password)
        if account is not None:
            cookie, csrf = auth.start_session(session, account, call.now, _session_hours(call))
            view = app.account_view(account)
    if account is None:
        rate_limits.count_failed_login(call, call.body.email)
        raise unauthorized("the email or password is wrong, or the account is not active")
    max_age = int(_session_hours(call).total_seconds())
    return Reply({"account": view, "csrf_token": csrf}, status=201,
                 cookies=[(auth.SESSION_COOKIE, cookie, session_cookie_options(call, max_age))])


@route("GET", "/api/session", access=SIGNED_IN, tag=TAG, response=SESSION_SCHEMA,
       summary="The signed-in account and its CSRF token")
def current_session(call: Call):
    with call.db.transaction() as session:
        account = app.get_account(session, call.caller.account_id)
        return {"account": app.account_view(account), "csrf_token": call.caller.csrf_token}


@route("DELETE", "/api/session", access=SIGNED_IN, tag=TAG, status=204, summary="Sign out")
def logout(call: Call):
    cookie = call.request.cookies.get(auth.SESSION_COOKIE)
    if cookie and call.caller.via == "session":
        with call.db.transaction() as session:
            auth.end_session(session, cookie, call.now)
    return Reply(status=204, cookies=[(auth.SESSION_COOKIE, "", session_cookie_options(call, 0))])


@route("GET", "/api/accounts", access=MANAGER, tag=TAG, query=AccountsQuery, response=list_of(ACCOUNT_SCHEMA),
       summary="List accounts")
def list_accounts(call: Call):
    with call.db.transaction() as session:
        return [app.account_view(a) for a in app.list_accounts(session, call.query.role)]


@route("POST", "/api/accounts", access=MANAGER, tag=TAG, body=AccountIn, response=ACCOUNT_SCHEMA, status=201,
       summary="Create an account; its owner gets an emailed set-up link",
       description="Leader accounts are normally created when an application is approved.")
def create_account(call: Call):
    body = call.body
    with call.db.transaction() as session:
        account = app.create_account(session, email=body.email, name=body.name, role=body.role,
                                     leader_id=body.leader_id, now=call.now)
        app.schedule_setup_mail(session, account, call.now)
        return Reply(app.account_view(account), status=201)


@route("GET", "/api/accounts/{account_id:int}", access=MANAGER, tag=TAG, response=ACCOUNT_SCHEMA,
       summary="One account")
def get_account(call: Call):
    with call.db.transaction() as session:
        return app.account_view(app.get_account(session, call.path["account_id"]))


@route("POST", "/api/accounts/{account_id:int}/deactivate", access=MANAGER, tag=TAG, response=ACCOUNT_SCHEMA,
       summary="Deactivate an account: its sessions end and its API tokens are revoked")
def deactivate_account(call: Call):
    with call.db.transaction() as session:
        account = app.get_account(session, call.path["account_id"])
        if account.role == "manager" and account.active and \
                sum(1 for a in app.list_accounts(session, "manager") if a.active) == 1:
            raise Conflict("this is the last active program manager account")
        return app.account_view(app.deactivate(session, account.id, call.now))


@route("POST", "/api/accounts/{account_id:int}/reactivate", access=MANAGER, tag=TAG, response=ACCOUNT_SCHEMA,
       summary="Reactivate an account (it signs in again with its password)")
def reactivate_account(call: Call):
    with call.db.transaction() as session:
        return app.account_view(app.reactivate(session, call.path["account_id"]))


@route("POST", "/api/accounts/{account_id:int}/setup-link", access=MANAGER, tag=TAG, status=202,
       response={"type": "object", "properties": {"status": {"type": "string"}}},
       summary="Email a new set-up link to an account that has no password yet")
def resend_setup_link(call: Call):
    with call.db.transaction() as session:
        account = app.get_account(session, call.path["account_id"])
        if account.password_hash is not None:
            raise Conflict("this account already has a password")
        if not account.active:
            raise Conflict("this account is deactivated")
        app.schedule_setup_mail(session, account, call.now)
    return Reply({"status": "queued"}, status=202)


@route("POST", "/api/account/setup", access=PUBLIC, tag=TAG, body=SetupIn, response=ACCOUNT_SCHEMA,
       rate_limit="public_form", summary="Choose a password with a set-up link's token")
def complete_setup(call: Call):
    with call.db.transaction() as session:
        return app.account_view(app.complete_setup(session, call.body.token, call.body.password, call.now))


class SetupRequestIn(Strict):
    email: Email


def request_setup_link(call: Call, email: str) -> None:
    """Mail a set-up link (a first password, or a new one) if the address belongs to an
    active account, or to an active leader on the roster who has no account yet (created here). The caller learns
    nothing either way, so the form cannot be used to find out who is a leader."""
    try:
        email = app.normalise_email(email)
    except ValidationFailed:
        return
    with call.db.transaction() as session:
        known, account = app.account_wanting_setup(session, email)
        if account is not None:
            app.schedule_setup_mail(session, account, call.now)
    if known:
        return
    leader = call.rpc("leaders", "find_leader_by_email", email)
    if not leader or leader.get("status") != "active":
        return
    try:
        with call.db.transaction() as session:
            app.ensure_leader_account(session, leader_id=leader["id"], email=email, name=leader["name"],
                                      now=call.now)
    except IntegrityError:
        pass  # a concurrent request created it and scheduled the mail


SETUP_REQUESTED = "If this address belongs to a leader or manager of the network, a link to choose a " \
                  "password (a new one, if you had one) is on its way. It works once and expires."


@route("POST", "/api/account/setup-request", access=PUBLIC, tag=TAG, body=SetupRequestIn, status=202,
       rate_limit="public_form", response={"type": "object", "properties": {"message": {"type": "string"}}},
       summary="Ask for a set-up link by email (approved leaders without a password)")
def setup_request(call: Call):
    request_setup_link(call, call.body.email)
    return Reply({"message": SETUP_REQUESTED}, status=202)


def ask_email_change(call: Call, new_email: str) -> str | None:
    """The signed-in person's new address waits for its owner to open the link mailed to
    it; the normalised address, or None when it is theirs already."""
    with call.db.transaction() as session:
        return email_change.request_change(session, app.get_account(session, call.caller.account_id), new_email,
                                           call.now)


EMAIL_CHANGE_ASKED = "We sent a link to {address}. Your new address takes effect when you open it; until then " \
                     "mail goes to your current address and you sign in with it."


def confirm_email_change(call: Call, token: str) -> dict:
    """The roster takes the new address (refusing one another leader has), then signing
    in moves to it; a retry after a failure in between does the same again."""
    with call.db.transaction() as session:
        _, leader_id, address = email_change.checked(session, token, call.now)
    if leader_id is not None:
        call.rpc("leaders", "update_leader", leader_id, {"email": address})
    with call.db.transaction() as session:
        return app.account_view(email_change.complete(session, token, call.now))


class EmailConfirmationIn(Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


@route("POST", "/api/account/email-confirmation", access=PUBLIC, tag=TAG, body=EmailConfirmationIn,
       response=ACCOUNT_SCHEMA, rate_limit="public_form", extra_statuses=(409,),
       summary="Confirm a new email address with the token mailed to it",
       description="A leader's new address (PATCH /api/leaders/{id} with email) takes effect only here.")
def email_confirmation(call: Call):
    return confirm_email_change(call, call.body.token)


@route("GET", "/api/tokens", access=SIGNED_IN, tag=TAG, response=list_of(TOKEN_SCHEMA),
       summary="Your personal API tokens")
def list_tokens(call: Call):
    with call.db.transaction() as session:
        return [app.token_view(t) for t in app.list_tokens(session, call.caller.account_id)]


@route("POST", "/api/tokens", access=SIGNED_IN, tag=TAG, body=TokenIn, response=TOKEN_SCHEMA, status=201,
       summary="Create a personal API token (the secret is shown once)")
def create_token(call: Call):
    with call.db.transaction() as session:
        account = app.get_account(session, call.caller.account_id)
        token, secret = auth.create_api_token(session, account, call.body.label, call.now)
        return Reply({**app.token_view(token), "token": secret}, status=201)


@route("DELETE", "/api/tokens/{token_id:int}", access=SIGNED_IN, tag=TAG, status=204,
       summary="Revoke one of your API tokens")
def revoke_token(call: Call):
    with call.db.transaction() as session:
        app.revoke_token(session, call.caller.account_id, call.path["token_id"], call.now)
    return Reply(status=204)
