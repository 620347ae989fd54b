"""Material orders: a leader orders a screening's kit (the film on DVD or the USB drive,
printed discussion guides and flyers) and a program manager ships it. A room of the
screenings service with the same layers: domain (rules), app (use cases), repository."""
