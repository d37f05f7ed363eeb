"""Fixtures for the devhelm sandbox and connections pointing at it."""
