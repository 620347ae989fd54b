"""Answers from the calendar: an invitee's Accept, Decline or Maybe, sent by their calendar
as an iTIP REPLY to their own reply address, matched to their invitation and applied to
their place (or kept with the reason it was refused). A room of the screenings service
with the service's layers: domain (rules), app (use cases), repository, service."""
