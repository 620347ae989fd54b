"""The gateway's account set-up mail: stored in the outbox once per key, then delivered
over real SMTP as a transactional message (no unsubscribe) that parses strictly."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from nameko.standalone.rpc import ClusterRpcClient

import services.gateway.errors  # noqa: F401  (rebuilds the kit's errors from RPC, as the gateway does)
from services.runtime.errors import ValidationFailed

from ..kit.helpers import count, wait_for
from .test_service import parse


def setup_mail(**overrides) -> dict:
    expires = datetime(2026, 7, 16, 23, 0, tzinfo=timezone.utc)
    return {"email": "Dana.Diaz@PD.example.gov", "name": "Dana Diaz",
            "setup_path": "/account/setup?token=abc123", "expires_at": expires.isoformat(),
            "dedupe_key": "account-setup:7:0123456789abcdef", **overrides}


def test_setup_link_is_mailed_once_per_key(mailer, mailer_config, smtp_server):
    db = mailer_config["DB_URIS"]["mailer"]
    with ClusterRpcClient(uri=mailer_config["AMQP_URI"]) as rpc:
        first = rpc.mailer.send_account_setup(**setup_mail())
        again = rpc.mailer.send_account_setup(**setup_mail())
        assert first["queued"] is True and again["queued"] is False
        assert first["delivery_id"] == again["delivery_id"]
        [received] = smtp_server.wait_for(1, timeout=15)
        wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == 1)
        log = rpc.mailer.get_delivery(first["delivery_id"])
        assert log["template"] == "account_setup"

        # A new link (new key) is a new message.
        second = rpc.mailer.send_account_setup(**setup_mail(dedupe_key="account-setup:7:fedcba9876543210",
                                                             setup_path="/account/setup?token=xyz789"))
        assert second["queued"] is True
        smtp_server.wait_for(2, timeout=15)

    parsed = parse(received.data)
    assert received.rcpt_tos == ("dana.diaz@pd.example.gov",)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["List-Unsubscribe"] is None  # transactional
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    link = mailer_config["PUBLIC_BASE_URL"] + "/account/setup?token=abc123"
    assert link in text and link in html.replace("&amp;", "&")
    assert "Hello Dana Diaz," in text
    assert "Thursday 16 July 2026, 7:00 PM Eastern Daylight Time" in text
    # Both messages stored are sent: nothing else is left to send.
    wait_for(lambda: count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == 2)
    assert count(db, "SELECT count(*) FROM messages") == 2
    assert len(smtp_server.messages) == 2


def test_bad_arguments_name_their_field_and_store_nothing(mailer, mailer_config):
    db = mailer_config["DB_URIS"]["mailer"]
    with ClusterRpcClient(uri=mailer_config["AMQP_URI"]) as rpc:
        with pytest.raises(ValidationFailed) as refused:
            rpc.mailer.send_account_setup(**setup_mail(setup_path="https://evil.example/x",
                                                       expires_at="tomorrow", dedupe_key=""))
    assert {e["field"] for e in refused.value.errors} == {"setup_path", "expires_at", "dedupe_key"}
    assert count(db, "SELECT count(*) FROM messages") == 0
