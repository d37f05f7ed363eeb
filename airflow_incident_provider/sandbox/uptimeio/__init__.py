"""Emulated UptimeIO status-page incident API (incidents, timeline updates, resolve) for the sandbox."""

from .router import UptimeIOBackend
from .seed import MONITORS, OTHER_STATUS_PAGE_ID, PROJECT_ID, STATUS_PAGE_ID

__all__ = ["MONITORS", "OTHER_STATUS_PAGE_ID", "PROJECT_ID", "STATUS_PAGE_ID", "UptimeIOBackend"]
