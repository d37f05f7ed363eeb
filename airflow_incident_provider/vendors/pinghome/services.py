"""Pinghome's services (incident-cmd, incident-query, auth), their URLs and path prefix, the rate limit,
and the ``teamId/incidentId`` refs that address an incident."""

from __future__ import annotations

import re
from collections.abc import Mapping

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.forms import pinghome as connection
from airflow_incident_provider.vendors.base import path_segment

NAME = "pinghome"
DISPLAY_NAME = "Pinghome"


CMD = "cmd"
QUERY = "query"
AUTH = "auth"
SERVICES = (CMD, QUERY, AUTH)
DEFAULT_URLS: Mapping[str, str] = connection.URLS
"""One subdomain per service, keyed by :data:`SERVICES`."""
GATEWAY_PATHS: Mapping[str, str] = connection.PATHS
DEFAULT_PATH_PREFIX = connection.PATH_PREFIX
AUTH_PATH = "/v1/auth"
_PATH_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")

RATE_LIMIT_PER_MINUTE = 60
"""Pinghome publishes no rate limit. One request per second is a conservative guess that a paging
read-merge-write (list, PUT, list) stays well inside; raise it per connection with
``rate_limit_per_minute`` once the account's real limit is known."""


def normalize_path_prefix(value: str) -> str | None:
    """``/v1``-like prefixes without a trailing slash, or None when ``value`` is not a plain path."""
    text = "/" + value.strip().strip("/") if value.strip().strip("/") else ""
    if not _PATH_PREFIX.fullmatch(text) or any(part in (".", "..") for part in text.split("/")):
        return None
    return text


def split_ref(ref: str, default_team: str | None) -> tuple[str, str]:
    """``teamId/incidentId``, or an incident id alone with the team from the connection (both checked)."""
    if not isinstance(ref, str):
        raise IncidentValidationError(
            "incident_id", "must be an incident id or a 'teamId/incidentId' ref", vendor=NAME
        )
    text = ref.strip()
    if "/" in text:
        team, _, incident = text.partition("/")
        if "/" in incident or not team.strip() or not incident.strip():
            raise IncidentValidationError(
                "incident_id", f"{ref!r} is not a 'teamId/incidentId' ref", vendor=NAME
            )
    else:
        team, incident = default_team or "", text
        if not team:
            raise IncidentValidationError(
                "team_id",
                "Pinghome addresses incidents through their team: pass a 'teamId/incidentId' ref or set "
                "team_id in the connection's extra",
                vendor=NAME,
            )
    path_segment(team, "team_id", NAME)
    path_segment(incident, "incident_id", NAME)
    return team.strip(), incident.strip()


def make_ref(team_id: str, incident_id: str) -> str:
    return f"{team_id}/{incident_id}"
