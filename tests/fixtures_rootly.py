"""Fixtures for the rootly sandbox and connections pointing at it."""
