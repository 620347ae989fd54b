"""Rules of the leaders service as plain Python: no I/O, no framework, no clock.

Functions that depend on the date or time take `today` / `now` so callers (and tests)
decide what "now" is. Every refusal of input raises ValidationFailed listing each bad
field; a request that clashes with the current state raises Conflict.

- `fields`: parsing and checking of single fields, and the collection of their problems;
- `expertise`: the expertise vocabulary;
- `leader`: a leader's profile, its changes and the events that announce them;
- `applications`: applications to join the network and their decisions;
- `training`: the distance-learning modules, scoring their knowledge checks, and the
  training reminders;
- `learning`: what each module teaches (objectives, readings, questions) as plain data;
- `roster_csv`: the roster as CSV, both ways;
- `program`: the program's settings.
"""
