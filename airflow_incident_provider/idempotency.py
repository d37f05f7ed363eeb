"""Idempotency keys for writes that are not idempotent by nature (notes, creates).

The key is derived from where the write comes from (dag, run, task, map index, purpose), so a retry
of the same task finds what its earlier try wrote, while two different tasks writing the same text
both land. It travels with the write as a short marker the vendor stores.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

MARKER_PREFIX = "airflow-idem:"


def idempotency_key(dag_id: str, run_id: str, task_id: str, map_index: int = -1, purpose: str = "") -> str:
    """A short, stable key for one logical write of one task instance."""
    source = "\x1f".join((dag_id, run_id, task_id, str(map_index), purpose))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def key_from_context(context: Mapping[str, Any], purpose: str) -> str | None:
    """The key for a write made by the running task instance, or None outside a task."""
    ti = context.get("ti") or context.get("task_instance")
    if ti is None:
        return None
    map_index = getattr(ti, "map_index", -1)
    return idempotency_key(
        str(ti.dag_id), str(ti.run_id), str(ti.task_id), -1 if map_index is None else int(map_index), purpose
    )


def marker(key: str) -> str:
    return f"{MARKER_PREFIX}{key}"


def mark(text: str, key: str) -> str:
    """The text with its marker appended on a line of its own (for notes only responders read)."""
    return f"{text}\n\n[{marker(key)}]"


def mark_hidden(text: str, key: str) -> str:
    """The text with its marker in a Markdown comment: stored, but not shown to a status page's readers."""
    return f"{text}\n\n<!-- {marker(key)} -->"


def is_marked(text: str, key: str) -> bool:
    """Whether ``text`` carries the marker of ``key``, in either form, whole (``alert-1`` is not in
    ``alert-10``'s marker)."""
    return re.search(re.escape(marker(key)) + r"(?=[\]\s])", text) is not None
