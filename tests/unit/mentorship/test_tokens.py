from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from services.leaders.mentorship.domain.tokens import (
    CONFIRMATION_TTL, StoredToken, TokenPurpose, consume_token, hash_token, issue_token, verify_token,
)
from services.runtime.errors import Conflict, Forbidden

from .builders import MONDAY_MORNING as T


def test_only_the_digest_is_stored():
    token, stored = issue_token(TokenPurpose.STATUS, now=T)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert token not in repr(stored)
    assert stored.issued_at == T


def test_tokens_are_unique():
    assert len({issue_token(TokenPurpose.CONFIRM, now=T)[0] for _ in range(100)}) == 100


def test_confirmation_links_expire_by_default_status_links_do_not():
    _, confirm = issue_token(TokenPurpose.CONFIRM, now=T)
    _, status = issue_token(TokenPurpose.STATUS, now=T)
    assert confirm.expires_at == T + CONFIRMATION_TTL
    assert status.expires_at is None
    _, short = issue_token(TokenPurpose.CONFIRM, now=T, ttl=timedelta(hours=1))
    assert short.expires_at == T + timedelta(hours=1)


def test_status_link_works_repeatedly():
    token, stored = issue_token(TokenPurpose.STATUS, now=T)
    verify_token(stored, token, now=T + timedelta(days=1))
    verify_token(stored, token, now=T + timedelta(days=400))


@pytest.mark.parametrize("forged", ["", "x" * 43, None, 12345, "a" * 10_000])
def test_forged_tokens_are_forbidden(forged):
    _, stored = issue_token(TokenPurpose.STATUS, now=T)
    with pytest.raises(Forbidden, match="not valid"):
        verify_token(stored, forged, now=T)


def test_a_token_for_another_request_is_forbidden():
    token, _ = issue_token(TokenPurpose.STATUS, now=T)
    _, other = issue_token(TokenPurpose.STATUS, now=T)
    with pytest.raises(Forbidden):
        verify_token(other, token, now=T)


def test_confirmation_is_single_use():
    token, stored = issue_token(TokenPurpose.CONFIRM, now=T)
    used = consume_token(stored, token, now=T + timedelta(minutes=3))
    assert used.used_at == T + timedelta(minutes=3)
    assert stored.used_at is None
    with pytest.raises(Conflict, match="already been used"):
        consume_token(used, token, now=T + timedelta(minutes=4))
    with pytest.raises(Conflict):
        verify_token(used, token, now=T + timedelta(minutes=4))


def test_a_forged_token_does_not_learn_whether_the_link_was_used():
    token, stored = issue_token(TokenPurpose.CONFIRM, now=T)
    used = consume_token(stored, token, now=T)
    with pytest.raises(Forbidden):
        consume_token(used, "guess", now=T)


def test_expired_confirmation_is_forbidden():
    token, stored = issue_token(TokenPurpose.CONFIRM, now=T)
    with pytest.raises(Forbidden, match="expired"):
        consume_token(stored, token, now=T + CONFIRMATION_TTL)


def test_status_tokens_cannot_be_consumed():
    token, stored = issue_token(TokenPurpose.STATUS, now=T)
    with pytest.raises(ValueError):
        consume_token(stored, token, now=T)


def test_stored_record_round_trips_from_storage_fields():
    token, stored = issue_token(TokenPurpose.CONFIRM, now=T)
    loaded = StoredToken(purpose=TokenPurpose("confirm"), digest=stored.digest, issued_at=stored.issued_at,
                         expires_at=stored.expires_at)
    verify_token(loaded, token, now=T)
