"""The screenings use cases. Each command takes a unit of work first (its repositories,
`publish`, `schedule`), is given `now` rather than reading the clock, and returns the
plain dict the RPC answers with."""
