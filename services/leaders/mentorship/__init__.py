"""Peer mentorship requests, a room of the leaders service: `domain` holds the rules,
`app` the use cases, `views` the reads, `repository` the rows, `service` the entrypoints."""
