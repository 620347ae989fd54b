"""The resource library: the publications, curricula, media and organisations the program
is built on (COPS Office, Not In Our Town, the Vera Institute), searchable by everyone,
kept by program managers, and suggested next to films, screenings and mentorship requests
by topic. A room of the screenings service with the service's layers: domain (rules),
seed (the program's own list), app (use cases), repository (rows), service (entrypoints)."""
