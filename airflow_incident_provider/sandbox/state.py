"""The state of one sandbox app: config, clock, limiter, request log, scripted changes, faults, vendors.

Its own module so that ``core.py`` (the machinery) and ``schedule.py`` (scripted changes) both sit
below it, with no import running back up.
"""

from __future__ import annotations

from .config import SandboxConfig, VendorSettings
from .core import RateLimiter, SandboxClock, VendorBackend
from .faults import FaultTable
from .requestlog import RequestLog
from .schedule import Scheduler


class SandboxState:
    """Everything one sandbox app holds: config, clock, limiter, request log, scripted changes and the
    vendor backends."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock(config.time_scale)
        self.limiter = RateLimiter(self.clock)
        self.requests = RequestLog(config.request_log_size)
        self.settings: dict[str, VendorSettings] = dict(config.vendor_settings)
        self.vendors: dict[str, VendorBackend] = {}
        self.schedules = Scheduler(self)
        self.faults = FaultTable()

    def register(self, backend: VendorBackend) -> None:
        if backend.name in self.vendors:
            raise ValueError(f"vendor {backend.name!r} registered twice")
        self.vendors[backend.name] = backend
        self.settings.setdefault(backend.name, VendorSettings(960))

    def vendor_for_path(self, path: str) -> VendorBackend | None:
        for backend in self.vendors.values():
            if path == backend.prefix or path.startswith(backend.prefix + "/"):
                return backend
        return None

    def secrets(self) -> list[str]:
        return [token for token in self.config.tokens.values() if len(token) >= 4]

    def reset(self, *, empty: bool | None = None) -> None:
        """Return to the start-up state: data, settings, clock, rate windows, request log and schedules."""
        self.settings = dict(self.config.vendor_settings)
        for name in self.vendors:
            self.settings.setdefault(name, VendorSettings(960))
        self.clock.restart(self.config.time_scale)
        self.limiter.clear()
        self.requests.clear()
        self.schedules.clear()
        self.faults.clear()
        for backend in self.vendors.values():
            backend.reset(empty=self.config.empty if empty is None else empty)
