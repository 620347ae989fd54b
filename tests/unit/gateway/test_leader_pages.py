"""The leader pages' reading of what people paste or type into a form."""
from __future__ import annotations

from services.gateway.pages.leader_invitations import pasted_invitees
from services.gateway.pages.leader_screenings import _lines


def test_pasted_addresses_one_a_line_or_comma_separated_with_names():
    text = "Ann Invitee <ann@example.org>, bo@example.org\n\n  cy@example.org ; Dee <dee@example.org>\n"
    assert pasted_invitees(text) == [("Ann Invitee", "ann@example.org"), ("", "bo@example.org"),
                                     ("", "cy@example.org"), ("Dee", "dee@example.org")]


def test_a_bad_entry_is_kept_as_typed_so_it_can_be_named():
    assert pasted_invitees("not-an-address") == [("", "not-an-address")]
    assert pasted_invitees(" \n , ") == []


def test_partners_are_one_a_line_and_co_host_names_may_be_comma_separated():
    assert _lines("Interfaith Council, Portland\n\n School district ") == ["Interfaith Council, Portland",
                                                                          "School district"]
    assert _lines("Ann Lee, Bo Chan\nCy Diaz", commas=True) == ["Ann Lee", "Bo Chan", "Cy Diaz"]

