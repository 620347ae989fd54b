"""The reliability kit (DESIGN.md §4) as a library: database sessions and the unit of
work, the transactional outbox, idempotent consumers with retries and dead letters,
timers, broker topology, checked RPC entrypoints, settings and config. It imports no
service and not the operator program (services/ops)."""
