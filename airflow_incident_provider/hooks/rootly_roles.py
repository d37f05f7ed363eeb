"""Rootly's incident roles: who holds the role assignees fill, changed to exactly the wanted users.

Rootly has no assignee field; an incident's assignees are the holders of one of its incident roles
(the connection's ``assignee_role``, by default the commander). Assigning is one request per user
added or removed, so the result is read back and checked.
"""

from __future__ import annotations

from airflow_incident_provider.exceptions import VendorError
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.models import Incident, Step
from airflow_incident_provider.vendors import rootly as rl


def fill_role_flow(
    ref: str, role: rl.IncidentRole, users: tuple[str, ...], raw: bool
) -> Flow[tuple[Incident, Step]]:
    """Unassign holders not in ``users``, assign the missing ones, and read the holders back.

    The holders' shape in ``include=roles`` is not in Rootly's spec, so the result is verified: a
    write that did not take fails loudly instead of reporting success.
    """
    response = yield rl.build_get_with_roles(ref)
    holders = rl.role_holders(response, role.id)
    wanted = users
    if set(holders) == set(wanted):
        incident = rl.parse_incident(response, include_raw=raw).model_copy(update={"assignees": holders})
        return incident, Step(
            name="reassign", applied=False, detail=f"already {role.name}: {', '.join(holders)}"
        )
    for user in holders:
        if user not in wanted:
            yield rl.build_unassign_role(ref, user, role.id)
    for user in wanted:
        if user not in holders:
            yield rl.build_assign_role(ref, user, role.id)
    check = yield rl.build_get_with_roles(ref)
    now = rl.role_holders(check, role.id)
    if set(now) != set(wanted):
        raise VendorError(
            rl.NAME,
            method="GET",
            path=rl.build_get_with_roles(ref).path,
            status_code=None,
            message=f"the {role.name} role of incident {ref} is held by {list(now)} after assigning "
            f"{list(wanted)}: the assignment did not take",
        )
    incident = rl.parse_incident(check, include_raw=raw).model_copy(update={"assignees": now})
    detail = f"{role.name}: {', '.join(holders) or 'nobody'} -> {', '.join(now)}"
    return incident, Step(name="reassign", applied=True, detail=detail)
