"""The flow driver: what it hands a flow, which errors it rewrites, and that it always closes the flow.

These run the hooks' own driver with a scripted ``send`` (no server): the cases are about the driver,
not about any vendor.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_incident_provider.exceptions import AmbiguousWriteError, ConflictError, TransportError
from airflow_incident_provider.hooks import flows
from airflow_incident_provider.hooks.flows import Flow
from airflow_incident_provider.hooks.write_once import WRITE_ATTEMPTS, write_at_most_once
from airflow_incident_provider.vendors import pagerduty as pd
from airflow_incident_provider.vendors.base import Request, Response
from tests.hooks.scripted import drive, ok

GET = Request("GET", "/incidents/Q1")
POST = Request("POST", "/incidents/Q1/notes", write=True, idempotent=False)
LIST = Request("GET", "/incidents/Q1/notes")


def lost() -> AmbiguousWriteError:
    return AmbiguousWriteError("scripted", method="POST", path=POST.path, message="reset", sent=True)


class Closed:
    """Records whether a flow's ``finally`` ran."""

    def __init__(self) -> None:
        self.closed = False

    def flow(self, requests: int) -> Flow[int]:
        try:
            for _ in range(requests):
                yield GET
            return requests
        finally:
            self.closed = True


# --- errors a flow raises -------------------------------------------------------------------------


def test_a_vendor_answer_of_the_wrong_shape_is_an_unexpected_body() -> None:
    def read() -> Flow[Any]:
        return pd.parse_incident((yield GET))

    with pytest.raises(
        TransportError, match=r"pagerduty GET /incidents/Q1 failed: .*unexpected response body \(ValueError"
    ):
        drive(read(), lambda request: ok({"not an incident": True}), vendor="pagerduty")


def test_a_nested_field_of_the_wrong_type_is_an_unexpected_body_too() -> None:
    def read() -> Flow[Any]:
        return pd.parse_incident((yield GET))

    body = {"incident": {"id": "Q1", "title": "t", "status": "triggered", "assignments": 7}}
    with pytest.raises(TransportError, match="unexpected response body"):
        drive(read(), lambda request: ok(body), vendor="pagerduty")


def test_the_providers_own_bug_surfaces_as_itself() -> None:
    def buggy() -> Flow[Any]:
        response = yield GET
        return {"seen": response.body}["missing"]  # a hook's mistake, not the vendor's answer

    with pytest.raises(KeyError, match="missing"):
        drive(buggy(), lambda request: ok({}))


def test_a_vendor_error_is_raised_inside_the_flow_where_it_can_be_handled() -> None:
    conflict = ConflictError("scripted", method="GET", path=GET.path, status_code=409, message="busy")

    def handles() -> Flow[str]:
        try:
            yield GET
        except ConflictError as exc:
            return f"handled {exc.status_code}"
        return "not raised"

    assert drive(handles(), lambda request: conflict)[0] == "handled 409"


# --- closing --------------------------------------------------------------------------------------


def test_a_flow_is_closed_when_it_ends_and_when_sending_fails() -> None:
    done = Closed()
    assert drive(done.flow(2), lambda request: ok({}))[0] == 2
    assert done.closed

    broken = Closed()

    def send(request: Request) -> Response:
        raise RuntimeError("the client is gone")

    with pytest.raises(RuntimeError, match="client is gone"):
        flows.drive(broken.flow(2), "scripted", send)
    assert broken.closed, "abandoned mid-way, its finally still ran"


def test_an_async_flow_is_closed_when_its_task_is_cancelled() -> None:
    waiting = Closed()

    async def send(request: Request) -> Response:
        await asyncio.sleep(60)
        raise AssertionError("never answered")

    async def scenario() -> None:
        task = asyncio.create_task(flows.adrive(waiting.flow(1), "scripted", send))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert waiting.closed


# --- writes at most once --------------------------------------------------------------------------


def notes_then(*answers: Response | Exception) -> Any:
    """Answer the write with ``answers`` in turn; every look-up finds ``marked`` notes."""
    queue = list(answers)

    def answer(request: Request) -> Response | Exception:
        return queue.pop(0)

    return answer


def find_marked(found: list[bool]) -> Any:
    """A look-up flow that reads the notes once and finds the write when ``found`` says so next."""

    def find() -> Flow[bool]:
        yield LIST
        return found.pop(0)

    return find


def test_an_answered_write_is_sent_once_and_its_answer_returned() -> None:
    written, requests = drive(write_at_most_once(POST, find_marked([])), lambda request: ok({"id": 1}))
    assert written.response is not None
    assert written.response.body == {"id": 1}
    assert written.found is None
    assert requests == [POST]


def test_a_lost_answer_is_looked_for_and_not_written_again_when_found() -> None:
    written, requests = drive(
        write_at_most_once(POST, find_marked([True])), notes_then(lost(), ok({"notes": []}))
    )
    assert (written.response, written.found) == (None, True)
    assert requests == [POST, LIST]


def test_a_lost_write_not_found_is_written_again() -> None:
    written, requests = drive(
        write_at_most_once(POST, find_marked([False])), notes_then(lost(), ok({}), ok({"id": 2}))
    )
    assert written.response is not None
    assert written.response.body == {"id": 2}
    assert requests == [POST, LIST, POST]


def test_only_a_write_with_a_look_up_is_sent_marked_to_leave_time_for_it() -> None:
    _, looked_for = drive(write_at_most_once(POST, find_marked([])), lambda request: ok({}))
    _, plain = drive(write_at_most_once(POST, None), lambda request: ok({}))
    assert [r.settled_by_lookup for r in looked_for + plain] == [True, False]


def test_without_a_look_up_a_lost_answer_is_raised_at_once() -> None:
    with pytest.raises(AmbiguousWriteError):
        drive(write_at_most_once(POST, None), notes_then(lost()))


def test_writes_are_bounded_and_the_last_lost_one_is_looked_for_before_giving_up() -> None:
    answers: list[Response | Exception] = []
    for _ in range(WRITE_ATTEMPTS):
        answers += [lost(), ok({})]
    requests: list[Request] = []

    def answer(request: Request) -> Response | Exception:
        requests.append(request)
        return answers.pop(0)

    with pytest.raises(AmbiguousWriteError):
        drive(write_at_most_once(POST, find_marked([False] * WRITE_ATTEMPTS)), answer)
    assert requests == [POST, LIST] * WRITE_ATTEMPTS
