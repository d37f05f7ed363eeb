"""Emulated Pinghome incident management (incident-cmd, incident-query and auth) for the sandbox."""

from ..config import SIGNIN_SECRET
from .router import PinghomeBackend
from .seed import ACCOUNT_EMAIL, DEFAULT_TEAM_ID, PAYMENTS_TEAM, PLATFORM_TEAM, USERS
from .store import SESSION_TTL_SECONDS

__all__ = [
    "ACCOUNT_EMAIL",
    "DEFAULT_TEAM_ID",
    "PAYMENTS_TEAM",
    "PLATFORM_TEAM",
    "SESSION_TTL_SECONDS",
    "SIGNIN_SECRET",
    "USERS",
    "PinghomeBackend",
]
