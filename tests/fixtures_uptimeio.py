"""Fixtures for the uptimeio sandbox and connections pointing at it."""
