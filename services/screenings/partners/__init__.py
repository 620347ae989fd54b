"""Partners: the schools, community and faith groups and agencies the network's events
are held with, as records with a place. Screenings and post-event reports name them; a
name that matches a record in the same state links to it, a new one becomes a record at
the event's place, which a program manager can complete. A room of the screenings
service with the service's layers: domain (rules), app (use cases), repository (rows),
service (entrypoints), views (roll-ups for managers)."""
