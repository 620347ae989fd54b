"""Email changes waiting for their owner, on a scratch database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from services.gateway import app, email_change
from services.gateway.models import EmailChange
from services.runtime.errors import Conflict, ValidationFailed

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def leader_account(session, email="alex@pd.example.gov", leader_id=7):
    return app.create_account(session, email=email, name="Alex Able", role="leader", leader_id=leader_id, now=NOW)


def asked(db, new_email, now=NOW) -> dict:
    """Ask for a change of Alex's address and hand over its mail; the mail's description."""
    with db.transaction() as session:
        account = session.execute(sa.select(app.Account).where(app.Account.leader_id == 7)).scalar_one()
        assert email_change.request_change(session, account, new_email, now) is not None
        change_id = session.execute(sa.select(sa.func.max(EmailChange.id))).scalar_one()
        return email_change.mail_request(session, change_id, now, HOUR)


def token_of(mail: dict) -> str:
    return mail["confirm_path"].split("token=", 1)[1]


def test_a_change_waits_until_the_link_sent_to_the_new_address_is_used(db):
    with db.transaction() as session:
        leader_account(session)
    mail = asked(db, " Alex@NewPD.example.gov ")
    assert (mail["new_email"], mail["old_email"]) == ("alex@newpd.example.gov", "alex@pd.example.gov")
    with db.transaction() as session:
        assert email_change.waiting_change(session, 1) == "alex@newpd.example.gov"
        assert app.find_by_email(session, "alex@pd.example.gov") is not None  # nothing changed yet
        assert session.execute(sa.select(EmailChange.digest)).scalar_one() != token_of(mail)  # kept hashed
        assert email_change.checked(session, token_of(mail), NOW) == (1, 7, "alex@newpd.example.gov")
    with db.transaction() as session:
        assert email_change.complete(session, token_of(mail), NOW).email == "alex@newpd.example.gov"
    with db.transaction() as session:
        assert email_change.waiting_change(session, 1) is None
        with pytest.raises(ValidationFailed) as used:
            email_change.complete(session, token_of(mail), NOW)
    assert used.value.field == "token"


def test_a_newer_request_replaces_the_older_and_links_expire(db):
    with db.transaction() as session:
        leader_account(session)
    first = asked(db, "one@example.org")
    second = asked(db, "two@example.org")
    with db.transaction() as session:
        assert email_change.find(session, token_of(first), NOW) is None
        assert email_change.find(session, token_of(second), NOW) is not None
        assert email_change.find(session, token_of(second), NOW + HOUR) is None
        assert email_change.waiting_change(session, 1) == "two@example.org"


def test_the_own_address_asks_nothing_and_a_bad_one_is_refused(db):
    with db.transaction() as session:
        account = leader_account(session)
        assert email_change.request_change(session, account, "ALEX@pd.example.gov", NOW) is None
        with pytest.raises(ValidationFailed) as refused:
            email_change.request_change(session, account, "not an address", NOW)
        assert refused.value.field == "email"
        assert email_change.waiting_change(session, account.id) is None


def test_an_address_another_account_signs_in_with_is_refused_at_confirmation(db):
    with db.transaction() as session:
        leader_account(session)
        app.create_account(session, email="manager@niot.example.org", name="M", role="manager", now=NOW)
    mail = asked(db, "manager@niot.example.org")
    with db.transaction() as session:
        with pytest.raises(Conflict):
            email_change.checked(session, token_of(mail), NOW)


def test_the_account_follows_only_newer_roster_snapshots(db):
    with db.transaction() as session:
        leader_account(session)
        email_change.follow_leader(session, 7, "Alex@Second.example.gov", version=3)
        email_change.follow_leader(session, 7, "alex@old.example.gov", version=2)  # late, older
        email_change.follow_leader(session, 7, "alex@old.example.gov", version=3)  # again
        assert app.find_by_email(session, "alex@second.example.gov").leader_version == 3
