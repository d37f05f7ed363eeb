"""Emulated PagerDuty REST API v2 (incidents, notes, log entries, priorities) for the sandbox."""

from .router import PagerDutyBackend
from .seed import DEFAULT_FROM_EMAIL, PRIORITIES, SERVICES, TEAMS, USERS

__all__ = ["DEFAULT_FROM_EMAIL", "PRIORITIES", "SERVICES", "TEAMS", "USERS", "PagerDutyBackend"]
