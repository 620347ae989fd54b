"""Use cases of the leaders service (commands): each takes the unit of work first, loads
and saves domain objects through its repositories, records its events with
`uow.publish` and its timer work with `uow.schedule`, and is handed `now`. A use case
returns what the RPC answers. Queries are in `services/leaders/views.py`.

- `program`: the region grouping, the roster target and the regions' coverage targets;
- `profiles`: a leader's profile, availability and status;
- `applications`: applications to join the network and their decisions;
- `training`: completed modules and the training reminders;
- `roster_import`: leaders imported from a roster CSV.
"""
