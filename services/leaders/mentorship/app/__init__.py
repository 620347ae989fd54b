"""The use cases of mentorship requests, by who acts: the requester, the leader a request
is offered to, program managers, the routing that follows each of them, and the timers."""
