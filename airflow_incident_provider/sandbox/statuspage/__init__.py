"""Emulated Atlassian Statuspage (pages, components, incidents and their updates) for the sandbox."""

from .router import StatuspageBackend
from .store import COMPONENTS, FORBIDDEN_PAGE_ID, OTHER_PAGE_ID, PAGE_ID

__all__ = ["COMPONENTS", "FORBIDDEN_PAGE_ID", "OTHER_PAGE_ID", "PAGE_ID", "StatuspageBackend"]
