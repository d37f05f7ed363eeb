"""Fixtures for the pinghome sandbox and connections pointing at it."""
