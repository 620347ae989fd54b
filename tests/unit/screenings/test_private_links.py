"""An RSVP's private link cannot be derived from anything a host or manager can see: not
from the RSVP id, the attendee list's fields, nor the secret that used to be the default."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools

import pytest

from services.runtime.errors import NotFound
from services.screenings import views
from services.screenings.app import rsvps
from services.screenings.repository import LINK_SECRET, ScreeningsUnitOfWork, kept_secret

from .test_invitations import MANAGER, NOW, SETTINGS, factory, leader, register  # noqa: F401 (fixture)

FORMER_DEFAULT_SECRET = "development-only-link-secret"


def hmac_token(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_a_link_is_not_derivable_from_what_organisers_and_managers_see(factory):  # noqa: F811
    view = register(factory, 1, 10, capacity=5)
    with factory.begin() as session:
        seat = rsvps.rsvp(ScreeningsUnitOfWork(session), view["id"], "Ana Diaz", "ana@example.org", now=NOW,
                          settings=SETTINGS)
    real_token = seat["cancel_path"].split("token=")[1]
    with factory.begin() as session:
        listed = views.attendees(session, MANAGER, view["id"]) + views.attendees(session, leader(1), view["id"])
    visible = sorted({str(value) for row in listed for value in row.values()} | {view["id"], view["uid"]})
    assert "link_nonce" not in listed[0] and "cancel_token_hash" not in listed[0]
    candidates = set(visible)
    for secret in (FORMER_DEFAULT_SECRET, *visible):
        for parts in itertools.chain(((v,) for v in visible), itertools.permutations(visible, 2)):
            candidates.add(hmac_token(secret, "rsvp:" + ":".join(parts)))
    assert real_token not in candidates
    with factory.begin() as session:
        for forged in itertools.islice(candidates, 200):
            with pytest.raises(NotFound):
                views.attendee_view(session, seat["rsvp_id"], forged)
        assert views.attendee_view(session, seat["rsvp_id"], real_token)["rsvp"]["status"] == "confirmed"


def test_the_secret_is_made_once_and_kept(factory):  # noqa: F811
    with factory.begin() as session:
        first = kept_secret(session, LINK_SECRET)
    with factory.begin() as session:
        assert kept_secret(session, LINK_SECRET) == first != FORMER_DEFAULT_SECRET and len(first) >= 43
