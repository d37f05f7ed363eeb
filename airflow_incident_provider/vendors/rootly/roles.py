"""Reassigning: the incident role (the commander by default) that holds an incident's assignees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.vendors.base import Request, Response, mapping_of
from airflow_incident_provider.vendors.rootly.api import (
    LIST_PAGE_SIZE,
    NAME,
    incident_path,
    jsonapi_document,
    next_page,
    paging_params,
    resources_of,
)

ASSIGNEE_ROLE_EXTRA = "assignee_role"
"""The connection extra naming the incident role that ``assignees`` fill (its id, slug or name)."""
DEFAULT_ASSIGNEE_ROLES = ("commander", "incident-commander", "incident commander")
"""Without the extra: the incident commander role, found by slug or name (first match wins)."""
ROLE_ASSIGNMENT_TYPE = "incident_role_assignments"
"""The type of the role holders ``GET /v1/incidents/{id}?include=roles`` returns in ``included``; the
spec documents ``include=roles`` but not this resource's shape, so reassigning reads it back."""


@dataclass(frozen=True)
class IncidentRole:
    """An incident role (``GET /v1/incident_roles``)."""

    id: str
    slug: str
    name: str
    multiple: bool
    """``allow_multi_user_assignment``: whether more than one user may hold it."""


def build_incident_roles(page: int) -> Request:
    return Request("GET", "/v1/incident_roles", params=paging_params(page, LIST_PAGE_SIZE))


def parse_incident_roles(response: Response) -> tuple[list[IncidentRole], int | None]:
    """Enabled roles of the page and the next page number."""
    roles = []
    for item in resources_of(response):
        attributes = mapping_of(item.get("attributes"))
        if "id" in item and attributes.get("enabled", True) is not False:
            roles.append(
                IncidentRole(
                    id=str(item["id"]),
                    slug=str(attributes.get("slug") or ""),
                    name=str(attributes.get("name") or ""),
                    multiple=bool(attributes.get("allow_multi_user_assignment")),
                )
            )
    return roles, next_page(response)


def assignee_role(configured: object, roles: Sequence[IncidentRole]) -> IncidentRole:
    """The role ``assignees`` fill: the connection's ``assignee_role`` (id, slug or name) or the default."""
    if configured is not None and not isinstance(configured, str):
        raise IncidentValidationError(ASSIGNEE_ROLE_EXTRA, "must be a role id, slug or name", vendor=NAME)
    wanted = (configured.strip().lower(),) if configured else DEFAULT_ASSIGNEE_ROLES
    for word in wanted:
        for role in roles:
            if word in (role.id.lower(), role.slug.lower(), role.name.lower()):
                return role
    names = ", ".join(f"{r.name} ({r.slug})" for r in roles) or "none enabled"
    what = f"{configured!r} is not" if configured else "no incident commander role is"
    raise IncidentValidationError(
        ASSIGNEE_ROLE_EXTRA,
        f"{what} an enabled Rootly incident role; set the connection extra {ASSIGNEE_ROLE_EXTRA!r} to one "
        f"of: {names}",
        vendor=NAME,
    )


def check_role_capacity(role: IncidentRole, users: Sequence[str]) -> None:
    if len(users) > 1 and not role.multiple:
        raise IncidentValidationError(
            "assignees",
            f"the Rootly incident role {role.name!r} holds one user (allow_multi_user_assignment is off); "
            f"got {len(users)}",
            vendor=NAME,
        )


def build_get_with_roles(ref: str) -> Request:
    """``GET /v1/incidents/{id}?include=roles``: the incident and its role holders."""
    return Request("GET", incident_path(ref), params=(("include", "roles"),))


def _related_id(resource: Mapping[str, Any], name: str) -> str | None:
    """The id of ``name`` (``user``, ``incident_role``) in a relationship, or in the attributes as an
    object or as ``<name>_id``: the assignment's shape is not in the spec, so every JSON:API form counts."""
    for section in ("relationships", "attributes"):
        container = resource.get(section)
        if not isinstance(container, Mapping):
            continue
        value = container.get(name)
        if isinstance(value, Mapping):
            inner = value.get("data", value)
            if isinstance(inner, Mapping) and inner.get("id") is not None:
                return str(inner["id"])
        if container.get(f"{name}_id") is not None:
            return str(container[f"{name}_id"])
    return None


def role_holders(response: Response, role_id: str) -> tuple[str, ...]:
    """The ids of the users holding ``role_id``, from the ``included`` of a ``include=roles`` read."""
    body = response.body if isinstance(response.body, Mapping) else {}
    holders: dict[str, None] = {}
    for item in body.get("included") or ():
        if isinstance(item, Mapping) and item.get("type") == ROLE_ASSIGNMENT_TYPE:
            user = _related_id(item, "user")
            if user is not None and _related_id(item, "incident_role") == role_id:
                holders[user] = None
    return tuple(holders)


def _role_document(user_id: str, role_id: str) -> dict[str, Any]:
    return jsonapi_document("incidents", {"user_id": user_id, "incident_role_id": role_id})


def build_assign_role(ref: str, user_id: str, role_id: str) -> Request:
    """``POST /v1/incidents/{id}/assign_role_to_user``: assigning a holder again changes nothing."""
    return Request(
        "POST", incident_path(ref, "/assign_role_to_user"), json=_role_document(user_id, role_id), write=True
    )


def build_unassign_role(ref: str, user_id: str, role_id: str) -> Request:
    """``DELETE /v1/incidents/{id}/unassign_role_from_user`` (the spec gives this DELETE a body)."""
    return Request(
        "DELETE",
        incident_path(ref, "/unassign_role_from_user"),
        json=_role_document(user_id, role_id),
        write=True,
    )
