"""Aggregates, their events and invariants. Pure: no I/O, no clock, no SQL."""
