"""Interana Destination core: Segment events in, Interana rows out. Pure: no cloud SDK, no network."""

__version__ = "0.1.0"
