"""What every vendor's connection falls back to, written once; each vendor's own defaults (base URLs,
auth schemes) live in its ``forms/<vendor>.py``.

The hooks read these, and so do the connection forms that ``get_provider_info`` builds. Airflow calls
``get_provider_info`` in every process it starts, so this module imports nothing.
"""

from __future__ import annotations

CONNECT_TIMEOUT = 10
"""Seconds for the TCP and TLS connect of one request."""
READ_TIMEOUT = 30
"""Seconds between bytes of one response."""
TOTAL_TIMEOUT = 120
"""Seconds for one whole operation, retries and rate-limit waits included."""
