"""Emulated Rootly API v1 (incidents, lifecycle endpoints, timeline events, severities) for the sandbox."""

from .router import RootlyBackend
from .seed import MEETING_PASSWORD, SAMPLE_TITLES, SEVERITIES, USERS

__all__ = ["MEETING_PASSWORD", "SAMPLE_TITLES", "SEVERITIES", "USERS", "RootlyBackend"]
