"""Sandbox configuration: per-vendor tokens and rate-limit settings, so tests and demos can tune it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from airflow_incident_provider.registry import VENDORS
from airflow_incident_provider.vendors import vendor_module

SIGNIN_SECRET = "pinghome-signin"  # noqa: S105 - the name of a secret, not one
"""The Pinghome sign-in password's key in the tokens: kept apart so the request log never shows it."""


def _fake_credential(vendor: str, kind: str) -> str:
    return f"sandbox-{vendor}-FAKE-{kind}-0000"


#: Clearly fake credentials the sandbox accepts by default, one per vendor (named as the vendor names its
#: credential), and Pinghome's sign-in password.
DEFAULT_TOKENS: dict[str, str] = {
    **{record.name: _fake_credential(record.name, record.credential) for record in VENDORS},
    SIGNIN_SECRET: _fake_credential("pinghome", "password"),
}

#: Published per-token request limits (requests per minute): each vendor module's own figure, which the
#: provider's client-side limiter starts from too.
DEFAULT_RATE_LIMITS: dict[str, int] = {
    record.name: vendor_module(record.name).RATE_LIMIT_PER_MINUTE for record in VENDORS
}


@dataclass(frozen=True)
class VendorSettings:
    """Run-time behaviour of one vendor's emulated API."""

    rate_limit_per_minute: int
    omit_rate_limit_headers: bool = False
    bare_429: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.rate_limit_per_minute, bool) or not isinstance(self.rate_limit_per_minute, int):
            raise TypeError("rate_limit_per_minute must be an int")
        if self.rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be >= 1")
        for name in ("omit_rate_limit_headers", "bare_429"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool")

    def updated(self, changes: dict[str, object]) -> VendorSettings:
        """Return a copy with ``changes`` applied; unknown keys raise ``KeyError``."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise KeyError(", ".join(unknown))
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def _default_settings() -> dict[str, VendorSettings]:
    return {vendor: VendorSettings(limit) for vendor, limit in DEFAULT_RATE_LIMITS.items()}


@dataclass
class SandboxConfig:
    """Start-up configuration of a sandbox; ``POST /_sandbox/reset`` returns to it."""

    tokens: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TOKENS))
    vendor_settings: dict[str, VendorSettings] = field(default_factory=_default_settings)
    empty: bool = False
    time_scale: float = 1.0
    request_log_size: int = 5000

    def __post_init__(self) -> None:
        for vendor, default in DEFAULT_TOKENS.items():
            self.tokens.setdefault(vendor, default)
        for vendor, limit in DEFAULT_RATE_LIMITS.items():
            self.vendor_settings.setdefault(vendor, VendorSettings(limit))
        for vendor, token in self.tokens.items():
            if not token or any(ch.isspace() for ch in token):
                raise ValueError(f"the {vendor} token must be non-empty and contain no whitespace")
        if self.time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        if self.request_log_size < 1:
            raise ValueError("request_log_size must be >= 1")

    def token(self, vendor: str) -> str:
        return self.tokens[vendor]

    def settings(self, vendor: str) -> VendorSettings:
        return self.vendor_settings[vendor]
