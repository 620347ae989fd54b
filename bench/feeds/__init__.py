"""Benchmark of the public calendar feeds: warm serving against a naive icalendar rebuild."""
