"""Drive any vendor's flow against scripted answers, without a server.

For the cases a server cannot produce on demand (an answer leaving incidents out, a refusal in the
middle of a batch, a body of the wrong shape): the flow runs through the hooks' own driver, with a
``send`` that answers from a script instead of the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_incident_provider.hooks import flows
from airflow_incident_provider.vendors.base import Request, Response

Answer = Callable[[Request], Response | Exception]
"""The answer to one request: a response, or the ``VendorError`` its sending raised."""


def drive(flow: flows.Flow[Any], answer: Answer, vendor: str = "scripted") -> tuple[Any, list[Request]]:
    """Run ``flow`` to its result, answering each request with ``answer``; returns the result and the
    requests made, in order."""
    requests: list[Request] = []

    def send(request: Request) -> Response:
        requests.append(request)
        reply = answer(request)
        if isinstance(reply, Exception):
            raise reply
        return reply

    return flows.drive(flow, vendor, send), requests


def ok(body: Any) -> Response:
    """A 200 answer carrying ``body`` as its JSON."""
    return Response(200, {}, body)
