"""Emulated incident.io API (incidents, edit action, statuses, severities, roles, updates) for the sandbox."""

from .router import IncidentIOBackend
from .store import ROLES, SEVERITIES, STATUSES, USERS

__all__ = ["ROLES", "SEVERITIES", "STATUSES", "USERS", "IncidentIOBackend"]
