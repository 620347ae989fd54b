"""Pages: signing in and out, and choosing a password from the emailed set-up link."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.gateway import app, auth, browser_guard, email_change, rate_limits
from services.gateway.api.accounts import (
    SETUP_REQUESTED,
    EmailConfirmationIn,
    SetupIn,
    SetupRequestIn,
    confirm_email_change,
    request_setup_link,
)
from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, session_cookie_options
from services.gateway.routing import PUBLIC, SIGNED_IN
from services.runtime.errors import Conflict, ValidationFailed

from .render import HTML, TAG, action_page, message, page, see_other

route = ROUTES.route
Line = Annotated[str, StringConstraints(max_length=1000)]
Text = Annotated[str, StringConstraints(max_length=5000)]


def workspace_of(role: str) -> str:
    """Where a signed-in person starts: managers at the network's overview, leaders at home."""
    return "/manage/coverage" if role == "manager" else "/leader"


# --- signing in and out -------------------------------------------------------------------

class SignInForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, StringConstraints(max_length=320)]
    password: Annotated[str, StringConstraints(max_length=256)]
    next: Annotated[str, StringConstraints(max_length=500)] | None = None


def signin_form(call: Call, status: int = 200, error: str | None = None, next: str | None = None,
                email: str = "") -> Reply:
    """The sign-in form with its login-CSRF token, and the cookie the token must match;
    after a refusal, with the address as typed (never the password)."""
    token = browser_guard.signin_token(call.request)
    reply = page(call, "signin.html", status=status, title="Sign in", error=error, next=next,
                 signin_token=token, email=email)
    reply.cookies.append(browser_guard.signin_cookie(token, call.settings.secure_cookies))
    return reply


@route("GET", "/signin", access=PUBLIC, tag=TAG, content_type=HTML, summary="Page: sign in")
def signin_page(call: Call):
    return signin_form(call, next=call.request.args.get("next", "")[:500])


@route("POST", "/signin", access=PUBLIC, tag=TAG, content_type=HTML, body=SignInForm, form=True,
       rate_limit="login", extra_statuses=(401, 403), summary="Page: submit the sign-in form")
def signin_submit(call: Call):
    if not browser_guard.signin_token_ok(call.request, call.request.form.get(browser_guard.SIGNIN_FIELD)):
        # Not from this site's own form (or from one open too long): nobody is signed in.
        return signin_form(call, status=403, next=call.body.next, email=call.body.email,
                           error="This sign-in form has expired. Please enter your email and password again.")
    hours = timedelta(hours=float(call.settings.session_hours))
    with call.db.transaction() as session:
        account = app.check_credentials(session, call.body.email, call.body.password)
        if account is not None:
            cookie, _ = auth.start_session(session, account, call.now, hours)
            home = workspace_of(account.role)
    if account is None:
        rate_limits.count_failed_login(call, call.body.email)
        return signin_form(call, status=401, next=call.body.next, email=call.body.email,
                           error="The email or password is wrong, or the account is not active.")
    target = call.body.next or ""
    # Only a path on this site: never an address elsewhere ("//host" included).
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = home
    response = see_other(target, notice="signed-in")
    response.set_cookie(auth.SESSION_COOKIE, cookie, **session_cookie_options(call, int(hours.total_seconds())))
    return response


@route("POST", "/signout", access=SIGNED_IN, tag=TAG, content_type=HTML, summary="Page: sign out")
def signout(call: Call):
    cookie = call.request.cookies.get(auth.SESSION_COOKIE)
    if cookie and call.caller.via == "session":
        with call.db.transaction() as session:
            auth.end_session(session, cookie, call.now)
    response = see_other("/")
    response.set_cookie(auth.SESSION_COOKIE, "", **session_cookie_options(call, 0))
    return response


@route("POST", "/account/setup/request", access=PUBLIC, tag=TAG, body=SetupRequestIn, form=True,
       content_type=HTML, rate_limit="public_form", summary="Page: ask for a set-up link")
def setup_request_page(call: Call):
    request_setup_link(call, call.body.email)
    return message(call, "Check your email", SETUP_REQUESTED, next_steps=[("/", "Go to the home page"),
                                                                        ("/signin", "Sign in")])


# --- the set-up page (the link in the mail) ---------------------------------------------

@route("GET", "/account/setup", access=PUBLIC, tag=TAG, content_type=HTML,
       query=None, summary="Page: choose your password (from the emailed link)")
def setup_page(call: Call):
    token = call.request.args.get("token", "")[:200]
    if not token:
        return page(call, "setup_request.html", title="Set up your account")
    with call.db.transaction() as session:
        found = auth.find_setup_token(session, token, call.now)
    if found is None:
        if call.viewer:
            return message(call, "This link was already used",
                           "This set-up link is used up or expired, and you are signed in already.",
                           next_steps=[(workspace_of(call.viewer.role), "Go to your workspace")])
        return message(call, "Link not valid",
                       "This set-up link is unknown, already used or expired. Sign in with your password, "
                       "or ask for a new link by mail.",
                       next_steps=[("/signin", "Sign in"), ("/account/setup", "Email me a new link")])
    return page(call, "setup.html", title="Choose your password", token=token, name=found[1].name, error=None,
                min_length=auth.MIN_PASSWORD_LENGTH)


@route("POST", "/account/setup", access=PUBLIC, tag=TAG, content_type=HTML, body=SetupIn, form=True,
       rate_limit="public_form", summary="Page: submit the chosen password")
def setup_page_submit(call: Call):
    """Sets the password and signs the person in at once, straight to their workspace."""
    hours = timedelta(hours=call.settings.session_hours)
    try:
        with call.db.transaction() as session:
            account = app.complete_setup(session, call.body.token, call.body.password, call.now)
            cookie, _ = auth.start_session(session, account, call.now, hours)
            home = workspace_of(account.role)
    except ValidationFailed as exc:
        if exc.field == "password":
            return page(call, "setup.html", status=422, title="Choose your password", token=call.body.token,
                        name=None, error=exc.message, min_length=auth.MIN_PASSWORD_LENGTH)
        raise ApiError(422, "validation_failed", exc.message, field=exc.field) from None
    response = see_other(home, notice="password-set")
    response.set_cookie(auth.SESSION_COOKIE, cookie, **session_cookie_options(call, int(hours.total_seconds())))
    return response


# --- confirming a new email address (the link mailed to it) ---------------------------------

def _way_on(call: Call) -> list[tuple[str, str]]:
    return [(workspace_of(call.viewer.role), "Go to your workspace")] if call.viewer else [("/signin", "Sign in")]


def _link_not_valid(call: Call, status: int):
    return message(call, "Link not valid", "This confirmation link is unknown, already used or expired. Your "
                   "email address has not changed. To change it, save the new address on your profile again "
                   "for a new link.", status=status,
                   next_steps=_way_on(call) + [("/leader/profile", "Your profile")])


@route("GET", "/account/email", access=PUBLIC, tag=TAG, content_type=HTML, query=None,
       summary="Page: confirm a new email address (from the link mailed to it)")
def email_confirmation_page(call: Call):
    """Opening the link changes nothing by itself (mail scanners open links too): the page
    asks its owner to confirm with a button."""
    token = call.request.args.get("token", "")[:200]
    with call.db.transaction() as session:
        found = email_change.find(session, token, call.now) if token else None
        address = found[0].new_email if found else None
    if address is None:  # as the set-up page: a page that says so, not an error
        return _link_not_valid(call, 200)
    return action_page(call, "Confirm your new email address",
                       [{"action": "/account/email", "hidden": {"token": token}, "button": "Use this address"}],
                       text=f"From now on, mail from the network will go to {address} and you will sign in "
                            "with it.")


@route("POST", "/account/email", access=PUBLIC, tag=TAG, content_type=HTML, body=EmailConfirmationIn, form=True,
       rate_limit="public_form", summary="Page: confirm a new email address")
def email_confirmation_submit(call: Call):
    try:
        account = confirm_email_change(call, call.body.token)
    except ValidationFailed:
        return _link_not_valid(call, 422)
    except (ApiError, Conflict) as exc:  # the address is another account's, or another leader's
        if isinstance(exc, ApiError) and exc.status != 409:
            raise
        return message(call, "This address cannot be used", f"{exc.message}. Your email address has not changed.",
                       status=409, next_steps=[("/leader/profile", "Your profile"), ("/", "Go to the home page")])
    return message(call, "Your email address is changed", f"From now on, mail from the network goes to "
                   f"{account['email']} and you sign in with it.", next_steps=_way_on(call))
