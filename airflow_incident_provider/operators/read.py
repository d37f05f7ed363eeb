"""GetIncidentOperator and ListIncidentsOperator: read incidents, the building blocks of scheduled DAGs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import XComArg

from airflow_incident_provider.arguments import IncidentRef, as_tuple, check_status_word, is_template
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import ListQuery
from airflow_incident_provider.operators.base import BaseIncidentOperator, IncidentConnectionOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

LIST_LIMIT = 1000
"""Most incidents one ListIncidentsOperator returns by default: its XCom value stays small."""


class GetIncidentOperator(BaseIncidentOperator):
    """Read one incident and return it, normalized, as a JSON dict (``include_raw`` adds the vendor's)."""

    def __init__(
        self, *, conn_id: str, incident_id: IncidentRef, include_raw: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=conn_id, incident_id=incident_id, include_raw=include_raw, **kwargs)

    def execute(self, context: Context) -> dict[str, Any]:
        incident = self.get_hook().get_incident(self.ref, include_raw=self.include_raw)
        self.incident_url = incident.url
        return incident.to_json()


def _moment(value: datetime | str | None, field_name: str) -> datetime | None:
    """A datetime argument that may arrive rendered from a template as an ISO 8601 string."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise IncidentValidationError(field_name, f"{value!r} is not an ISO 8601 date and time") from None


class ListIncidentsOperator(IncidentConnectionOperator):
    """List incidents, every page fetched, and return them as a list of normalized JSON dicts.

    :param statuses: vendor status words or phases (``["open", "acknowledged"]``); any when empty.
    :param services: the vendor's service ids to list from (a list or a comma-separated string); any of
        them matches. PagerDuty and Rootly only: other vendors refuse it, before any request.
    :param teams: the vendor's team ids to list from, like ``services``. PagerDuty and Rootly; Pinghome
        takes exactly one team in place of the connection's ``team_id``; DevHelm and UptimeIO refuse it.
    :param since: only incidents created at or after this moment (a datetime or an ISO string).
    :param until: only incidents created before this moment.
    :param older_than: a ``timedelta``: only incidents created at least this long ago ("stale"); the
        upper bound is computed when the task runs.
    :param limit: the most incidents returned (default 1000, which keeps the XCom value small).
    """

    template_fields: Sequence[str] = (
        *IncidentConnectionOperator.template_fields,
        "statuses",
        "services",
        "teams",
        "since",
        "until",
    )

    def __init__(
        self,
        *,
        conn_id: str,
        statuses: Sequence[str] | str | None = None,
        services: Sequence[str] | str | XComArg | None = None,
        teams: Sequence[str] | str | XComArg | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        older_than: timedelta | None = None,
        limit: int = LIST_LIMIT,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=conn_id, include_raw=include_raw, **kwargs)
        if statuses is not None and not is_template(statuses):
            for status in as_tuple(statuses, "statuses") or ():
                check_status_word(status, "statuses")
        for name, value in (("services", services), ("teams", teams)):
            if not is_template(value) and not isinstance(value, XComArg):
                as_tuple(value, name)  # a list of strings or a comma-separated string, else it fails now
        if older_than is not None and (not isinstance(older_than, timedelta) or older_than < timedelta(0)):
            raise IncidentValidationError("older_than", "must be a non-negative datetime.timedelta")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise IncidentValidationError("limit", "must be a whole number of incidents, at least 1")
        self.statuses = statuses
        self.services = services
        self.teams = teams
        self.since = since
        self.until = until
        self.older_than = older_than
        self.limit = limit

    def query(self, now: datetime | None = None) -> ListQuery:
        """The rendered arguments as a list query; ``older_than`` becomes an upper bound on creation."""
        statuses = as_tuple(self.statuses, "statuses") or ()
        for status in statuses:
            check_status_word(status, "statuses")
        until = _moment(self.until, "until")
        if self.older_than is not None:
            cutoff = (now or datetime.now(UTC)) - self.older_than
            until = cutoff if until is None else min(until, cutoff)
        return ListQuery(
            statuses=statuses,
            services=as_tuple(self.services, "services") or (),
            teams=as_tuple(self.teams, "teams") or (),
            since=_moment(self.since, "since"),
            until=until,
            limit=self.limit,
            include_raw=self.include_raw,
        )

    def execute(self, context: Context) -> list[dict[str, Any]]:
        incidents = self.get_hook().list_incidents(self.query())
        self.log.info("Listed %d incident(s) (limit %d)", len(incidents), self.limit)
        return [incident.to_json() for incident in incidents]
