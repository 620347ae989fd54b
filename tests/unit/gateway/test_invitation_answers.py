"""How the invitations page words each invitee's place and their calendar's answer."""
from __future__ import annotations

import pytest

from services.gateway.pages.leader_invitations import answer_label


@pytest.mark.parametrize("status, answer, label", [
    ("confirmed", "NEEDS-ACTION", "Has a seat, not answered yet"),
    ("confirmed", "ACCEPTED", "Has a seat, accepted"),
    ("confirmed", "TENTATIVE", "Has a seat, said maybe"),
    ("waitlisted", "ACCEPTED", "On the waitlist, accepted"),
    ("cancelled", "DECLINED", "Declined the invitation"),
    ("cancelled", "NEEDS-ACTION", "Gave up the seat, not answered yet"),
    ("confirmed", None, "Has a seat"),
])
def test_the_place_comes_first_then_what_their_calendar_said(status, answer, label):
    assert answer_label({"status": status, "calendar_answer": answer}) == label
