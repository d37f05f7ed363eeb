"""What a public status page refuses or needs said explicitly: customer-facing writes only with
``public=True``, and the operations UptimeIO has no endpoint for."""

from __future__ import annotations

from airflow_incident_provider.exceptions import UnsupportedOperationError
from airflow_incident_provider.models import WriteOptions
from airflow_incident_provider.vendors.status_pages import require_public
from airflow_incident_provider.vendors.uptimeio.api import NAME


def check_options(options: WriteOptions, *, customer_facing: str | None) -> None:
    """Refuse, before any request, a customer-facing write the caller did not make explicit.

    ``customer_facing`` names what would be posted (None when the write posts no message).
    """
    if options.notify_subscribers:
        raise UnsupportedOperationError(
            f"{NAME}: 'notify_subscribers' cannot be honoured: UptimeIO's status-page incident, update "
            "and resolve bodies have no subscriber-notification field; leave notify_subscribers=False "
            "(UptimeIO's own status-page settings decide who is notified)"
        )
    if customer_facing is not None:
        require_public(
            options,
            f"{customer_facing} is a message to customers on the UptimeIO status page; pass public=True "
            "to post it",
            NAME,
        )


def create_unsupported() -> UnsupportedOperationError:
    """Creating: none of UptimeIO's API reference pages documents a create endpoint."""
    return UnsupportedOperationError(
        f"{NAME}: UptimeIO documents no endpoint to create a status-page incident; create the incident "
        "in UptimeIO and pass its id (or its 'projectId/pageId/incidentId' ref) to the other operators"
    )
