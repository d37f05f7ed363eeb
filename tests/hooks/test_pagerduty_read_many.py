"""PagerDuty's bulk first reads: the list of open incidents is read on only while that costs fewer
requests than reading the incidents still unseen one by one (scripted answers: the cost rule)."""

from __future__ import annotations

from typing import Any

from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.models import Incident
from airflow_incident_provider.vendors import pagerduty as pd
from airflow_incident_provider.vendors.base import Request, Response
from tests.hooks.scripted import drive, ok


def _open_list(total: int) -> Any:
    """Answers as PagerDuty would for ``total`` open incidents ``P0000``..., newest first."""
    ids = [f"P{number:04d}" for number in reversed(range(total))]

    def answer(request: Request) -> Response:
        params = dict(request.params)
        offset, limit = int(params["offset"]), int(params["limit"])
        page = [{"id": i, "type": "incident", "status": "triggered"} for i in ids[offset : offset + limit]]
        listed_total = total if params.get("total") == "true" else None
        return ok({"incidents": page, "more": offset + limit < total, "total": listed_total})

    return answer


def _read_many(refs: list[str], total: int) -> tuple[list[str], list[Request]]:
    seen: list[Incident] = []
    _, requests = drive(PagerDutyIncidentHook("pd").read_many_flow(refs, seen.append), _open_list(total))
    return [incident.ref for incident in seen], requests


def test_every_page_is_read_while_the_refs_outnumber_the_pages() -> None:
    refs = [f"P{number:04d}" for number in range(0, 1000, 2)]  # 500 refs over 10 pages
    seen, requests = _read_many(refs, 1000)
    assert sorted(seen) == sorted(refs)
    assert len(requests) == 10
    assert [dict(r.params)["offset"] for r in requests] == [str(n * pd.LIST_PAGE_SIZE) for n in range(10)]
    assert dict(requests[0].params)["total"] == "true"
    assert all("total" not in dict(r.params) for r in requests[1:])


def test_it_stops_once_single_reads_of_the_rest_cost_less() -> None:
    refs = ["P0999", "P0001", "P0002", "P0003"]  # one on the first page, three on the tenth
    seen, requests = _read_many(refs, 1000)
    assert seen == ["P0999"]
    assert len(requests) == 1  # nine more pages for three incidents: three single reads are cheaper


def test_it_stops_once_every_ref_is_seen() -> None:
    seen, requests = _read_many(["P0999", "P0950"], 1000)
    assert sorted(seen) == ["P0950", "P0999"]
    assert len(requests) == 1


def test_never_more_pages_than_refs_when_no_total_is_given() -> None:
    answer = _open_list(1000)

    def without_total(request: Request) -> Response:
        response = answer(request)
        return ok({**response.body, "total": None})

    seen: list[Incident] = []
    refs = ["P0001", "P0002"]
    _, requests = drive(PagerDutyIncidentHook("pd").read_many_flow(refs, seen.append), without_total)
    assert seen == []
    assert len(requests) == 2
