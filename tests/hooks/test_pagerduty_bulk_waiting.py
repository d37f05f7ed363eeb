"""PagerDuty's reads for waiting in bulk, against scripted answers: the list of open incidents is read
on only while that costs fewer requests than reading the incidents still unseen one by one, and the
account log keeps one copy of each watched incident and none of the others."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow_incident_provider.hooks.pagerduty import PagerDutyIncidentHook
from airflow_incident_provider.models import Incident, IncidentChange
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


def test_the_log_goes_to_the_reader_page_by_page_with_one_copy_of_each_watched_incident() -> None:
    def entry(number: int, incident_id: str, status: str) -> dict[str, Any]:
        incident = {"id": incident_id, "type": "incident", "status": status}
        return {"id": f"R{number}", "created_at": "2026-11-01T10:00:00Z", "incident": incident}

    pages = [
        [entry(4, "QA", "resolved"), entry(3, "QB", "acknowledged")],
        [entry(2, "QA", "acknowledged"), entry(1, "QC", "triggered")],
    ]

    def answer(request: Request) -> Response:
        offset = int(dict(request.params)["offset"])
        page = offset // pd.LIST_PAGE_SIZE
        return ok({"log_entries": pages[page], "more": page + 1 < len(pages)})

    handed: list[list[IncidentChange]] = []
    since = datetime(2026, 11, 1, tzinfo=UTC)
    feed, _ = drive(
        PagerDutyIncidentHook("pd").watched_changes_flow(since, {"QA", "QC"}, handed.append), answer
    )
    assert feed.changes == []  # every change went to the reader, page by page
    copies = [[(c.id, c.incident.status if c.incident else None) for c in page] for page in handed]
    assert copies == [[("R4", "resolved"), ("R3", None)], [("R2", None), ("R1", "triggered")]]


def test_an_entry_naming_its_incident_by_reference_leaves_the_copy_to_an_older_one() -> None:
    entries = [
        {
            "id": "R2",
            "created_at": "2026-11-01T10:01:00Z",
            "incident": {"id": "QA", "type": "incident_reference"},
        },
        {
            "id": "R1",
            "created_at": "2026-11-01T10:00:00Z",
            "incident": {"id": "QA", "type": "incident", "status": "acknowledged"},
        },
    ]
    handed: list[list[IncidentChange]] = []
    since = datetime(2026, 11, 1, tzinfo=UTC)
    flow = PagerDutyIncidentHook("pd").watched_changes_flow(since, {"QA"}, handed.append)
    drive(flow, lambda request: ok({"log_entries": entries, "more": False}))
    assert [(c.id, c.incident.status if c.incident else None) for c in handed[0]] == [
        ("R2", None),
        ("R1", "acknowledged"),
    ]
