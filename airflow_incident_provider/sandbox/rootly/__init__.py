"""Emulated Rootly API v1 (incidents, lifecycle endpoints, timeline events, severities) for the sandbox."""

from .router import RootlyBackend
from .seed import MEETING_PASSWORD, SAMPLE_SCOPES, SAMPLE_TITLES, SERVICES, SEVERITIES, TEAMS, USERS

__all__ = [
    "MEETING_PASSWORD",
    "SAMPLE_SCOPES",
    "SAMPLE_TITLES",
    "SERVICES",
    "SEVERITIES",
    "TEAMS",
    "USERS",
    "RootlyBackend",
]
