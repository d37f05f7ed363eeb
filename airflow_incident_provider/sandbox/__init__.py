"""Local, stateful emulator of incident-vendor APIs, so tests, demos and users never page real people."""

from .app import create_app
from .config import SandboxConfig, VendorSettings
from .server import SandboxAdminError, SandboxServer

__all__ = ["SandboxAdminError", "SandboxConfig", "SandboxServer", "VendorSettings", "create_app"]
