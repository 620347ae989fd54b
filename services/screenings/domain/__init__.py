"""The screenings rules as plain Python with no I/O.

Anything that depends on the clock takes `now` (an aware UTC datetime) so the rules are
deterministic and testable; anything that depends on other records (the host's
projection, the host's other bookings) is passed in by the caller.
"""
