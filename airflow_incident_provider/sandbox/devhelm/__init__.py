"""Emulated DevHelm status pages (incidents, timeline updates) for the sandbox."""

from .router import DevHelmBackend
from .seed import DEFAULT_STATUS_PAGE_ID, SECOND_STATUS_PAGE_ID

__all__ = ["DEFAULT_STATUS_PAGE_ID", "SECOND_STATUS_PAGE_ID", "DevHelmBackend"]
