"""The hostname a component of a distributed deployment reports (``[core] hostname_callable``).

On one machine every Celery worker and triggerer would report the same hostname, so a task instance
would not show which worker ran it. Each of them gets its own name in ``COMPONENT_HOSTNAME``, which
this callable returns, as separate machines would report theirs.
"""

from __future__ import annotations

import os
import socket

VARIABLE = "COMPONENT_HOSTNAME"


def hostname() -> str:
    """The component's name from ``COMPONENT_HOSTNAME``, else the machine's fully qualified name."""
    return os.environ.get(VARIABLE) or socket.getfqdn()
