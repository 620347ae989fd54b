"""Passwords, tokens, set-up links, sessions and rate limits on a scratch database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from services.gateway import app, auth
from services.runtime.errors import Conflict, ValidationFailed

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
PASSWORD = "a long enough passphrase"


def test_passwords_are_hashed_with_argon2_and_verified():
    stored = auth.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.password_matches(stored, PASSWORD)
    assert not auth.password_matches(stored, PASSWORD + "x")
    assert not auth.password_matches(None, PASSWORD)
    assert not auth.password_matches("not a hash", PASSWORD)


def test_password_rules_name_the_problem():
    assert "at least" in auth.password_problem("short", "a@example.org")
    assert auth.password_problem("a@example.org", "A@example.org") is not None
    assert auth.password_problem(PASSWORD, "a@example.org") is None


def test_accounts_have_unique_normalised_emails(db):
    with db.transaction() as session:
        account = app.create_account(session, email=" Boss@Example.ORG ", name="Boss", role="manager", now=NOW)
        assert account.email == "boss@example.org"
    with pytest.raises(Conflict), db.transaction() as session:
        app.create_account(session, email="boss@example.org", name="Again", role="manager", now=NOW)
    with pytest.raises(ValidationFailed) as caught, db.transaction() as session:
        app.create_account(session, email="not an email", name="X", role="manager", now=NOW)
    assert caught.value.field == "email"


def test_setup_link_is_single_use_expires_and_replaces_older_links(db):
    with db.transaction() as session:
        account = app.create_account(session, email="l@example.org", name="L", role="leader", leader_id=3, now=NOW)
        first = auth.issue_setup_token(session, account, NOW, timedelta(hours=72))
        second = auth.issue_setup_token(session, account, NOW, timedelta(hours=72))
    with db.transaction() as session:
        assert auth.find_setup_token(session, first, NOW) is None  # replaced
        assert auth.find_setup_token(session, second, NOW + timedelta(hours=73)) is None  # expired
        app.complete_setup(session, second, PASSWORD, NOW + timedelta(hours=1))
    with pytest.raises(ValidationFailed) as caught, db.transaction() as session:
        app.complete_setup(session, second, PASSWORD, NOW + timedelta(hours=2))
    assert caught.value.field == "token"
    with db.transaction() as session:
        assert app.check_credentials(session, "L@example.org", PASSWORD) is not None


def test_leader_account_is_created_once_per_approval(db):
    with db.transaction() as session:
        assert app.ensure_leader_account(session, leader_id=5, email="x@example.org", name="X", now=NOW)
        assert app.ensure_leader_account(session, leader_id=5, email="x@example.org", name="X", now=NOW) is None
        assert len(app.list_accounts(session, "leader")) == 1


def test_sessions_end_on_logout_expiry_and_deactivation(db):
    with db.transaction() as session:
        account = app.create_account(session, email="m@example.org", name="M", role="manager",
                                     password=PASSWORD, now=NOW)
        cookie, csrf = auth.start_session(session, account, NOW, timedelta(hours=12))
        other, _ = auth.start_session(session, account, NOW, timedelta(hours=12))
    principal = auth.session_principal(db, cookie, NOW)
    assert principal == auth.Principal(account.id, "manager", "M", None, "session", csrf)
    assert auth.csrf_ok(principal, csrf) and not auth.csrf_ok(principal, "forged") \
        and not auth.csrf_ok(principal, None)
    assert auth.session_principal(db, cookie, NOW + timedelta(hours=13)) is None
    assert auth.session_principal(db, cookie + "x", NOW) is None
    with db.transaction() as session:
        auth.end_session(session, cookie, NOW)
    assert auth.session_principal(db, cookie, NOW) is None
    assert auth.session_principal(db, other, NOW) is not None
    with db.transaction() as session:
        app.deactivate(session, account.id, NOW)
    assert auth.session_principal(db, other, NOW) is None


def test_api_tokens_are_stored_as_digests_and_revocable(db):
    with db.transaction() as session:
        account = app.create_account(session, email="m@example.org", name="M", role="manager", now=NOW)
        token, secret = auth.create_api_token(session, account, "cron", NOW)
        assert token.digest != secret and secret.startswith(auth.API_TOKEN_PREFIX)
    assert auth.token_principal(db, secret, NOW) == auth.Principal(account.id, "manager", "M", None, "token")
    assert auth.token_principal(db, secret + "x", NOW) is None
    with db.transaction() as session:
        app.revoke_token(session, account.id, token.id, NOW)
    assert auth.token_principal(db, secret, NOW) is None


def test_token_use_is_recorded_to_the_minute(db):
    with db.transaction() as session:
        account = app.create_account(session, email="m@example.org", name="M", role="manager", now=NOW)
        token, secret = auth.create_api_token(session, account, "cron", NOW)
    used = [NOW + timedelta(seconds=s) for s in (0, 30, 59, 60, 61, 200)]
    seen = []
    for moment in used:
        auth.token_principal(db, secret, moment)
        with db.transaction() as session:
            seen.append(app.token_view(app.list_tokens(session, account.id)[0])["last_used_at"])
    assert seen == [NOW.isoformat()] * 3 + [used[3].isoformat()] * 2 + [used[5].isoformat()]


def test_rate_limit_counts_per_key_and_resets_with_the_window(db):
    limit = auth.Limit(hits=2, seconds=60)
    with db.transaction() as session:
        results = [auth.spend(session, "login:login_email", "A@example.org", limit, NOW) for _ in range(3)]
        assert results[:2] == [None, None] and results[2] > 0
        assert auth.spend(session, "login:login_email", "b@example.org", limit, NOW) is None
        assert auth.spend(session, "login:login_email", "a@example.org", limit, NOW + timedelta(seconds=61)) is None
