"""What an account configures for itself (Rootly's and incident.io's severities and roles, incident.io's
statuses), read from the API the first time a hook needs it and kept for the hook's life, so every name
is looked up in it before the first write (the entries are ``vendors/catalogue.py``'s)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.vendors.base import Request, Response

T = TypeVar("T")


class ReadOnce(Generic[T]):
    """One configured list, read by ``read`` at its first use."""

    def __init__(self, read: Callable[[], Flow[T]]) -> None:
        self._read = read
        self._value: T | None = None

    def flow(self) -> Flow[T]:
        if self._value is None:
            self._value = yield from self._read()
        return self._value


def every_page(
    build: Callable[[int], Request], parse: Callable[[Response], tuple[list[T], int | None]]
) -> Flow[list[T]]:
    """Every page of a paged list: page 1, then each next page the answer names, until an empty one."""
    found: list[T] = []
    page: int | None = 1
    while page is not None:
        batch, page = parse((yield build(page)))
        found.extend(batch)
        page = page if batch else None
    return found
