"""Status conditions: words and phases resolved against each vendor, before any request."""

from __future__ import annotations

import pytest

from airflow_incident_provider.conditions import Outcome, StatusCondition
from airflow_incident_provider.exceptions import IncidentValidationError
from airflow_incident_provider.models import Incident, Phase
from airflow_incident_provider.vendors import vendor_module


def _incident(vendor: str, status: str) -> Incident:
    phase = vendor_module(vendor).STATUS_PHASES[status.lower()]
    return Incident(vendor=vendor, id="1", ref="1", status=status, phase=phase)


def test_default_waits_for_the_resolved_phase() -> None:
    condition = StatusCondition.of(None).for_vendor(vendor_module("rootly"))
    assert set(condition.targets or ()) == {"resolved", "closed", "cancelled", "completed"}
    assert condition.evaluate(_incident("rootly", "closed")) is Outcome.MET
    assert condition.evaluate(_incident("rootly", "mitigated")) is None


def test_a_vendor_word_matches_only_itself_and_case_does_not_matter() -> None:
    condition = StatusCondition.of(["MONITORING"]).for_vendor(vendor_module("devhelm"))
    assert condition.evaluate(_incident("devhelm", "MONITORING")) is Outcome.MET
    assert condition.evaluate(_incident("devhelm", "RESOLVED")) is None


def test_failures_are_checked_before_targets() -> None:
    condition = StatusCondition.of(["resolved"], ["cancelled"]).for_vendor(vendor_module("rootly"))
    assert condition.evaluate(_incident("rootly", "cancelled")) is Outcome.FAILED
    assert condition.evaluate(_incident("rootly", "resolved")) is Outcome.MET


def test_changed_from_alone_means_any_other_status() -> None:
    condition = StatusCondition.of(None, changed_from=["triggered"]).for_vendor(vendor_module("pagerduty"))
    assert condition.targets is None
    assert condition.evaluate(_incident("pagerduty", "triggered")) is None
    assert condition.evaluate(_incident("pagerduty", "acknowledged")) is Outcome.MET


def test_changed_from_a_phase_covers_every_status_in_it() -> None:
    condition = StatusCondition.of(None, changed_from=["open"]).for_vendor(vendor_module("rootly"))
    assert condition.evaluate(_incident("rootly", "in_triage")) is None
    assert condition.evaluate(_incident("rootly", "started")) is None
    assert condition.evaluate(_incident("rootly", "acknowledged")) is Outcome.MET


@pytest.mark.parametrize(
    ("vendor", "word", "field"),
    [
        ("pagerduty", "mitigated", "target_statuses"),  # a phase PagerDuty does not have
        ("devhelm", "triggered", "target_statuses"),  # another vendor's word
    ],
)
def test_a_word_the_vendor_lacks_names_the_field_and_the_allowed_words(
    vendor: str, word: str, field: str
) -> None:
    with pytest.raises(IncidentValidationError) as caught:
        StatusCondition.of([word]).for_vendor(vendor_module(vendor))
    assert caught.value.field == field
    allowed = ", ".join(vendor_module(vendor).STATUS_PHASES)
    assert allowed in str(caught.value)


def test_contradictions_are_refused() -> None:
    with pytest.raises(IncidentValidationError, match="both a target and a failure"):
        StatusCondition.of(["resolved"], ["Resolved"])
    with pytest.raises(IncidentValidationError, match="nothing to wait for"):
        StatusCondition.of([])
    with pytest.raises(IncidentValidationError, match="could never end"):
        StatusCondition.of(["triggered"], changed_from=["open"]).for_vendor(vendor_module("pagerduty"))


def test_describe_names_what_the_wait_is_for() -> None:
    assert StatusCondition.of(["acknowledged", "resolved"]).describe() == "status in acknowledged, resolved"
    assert StatusCondition.of(None, changed_from=["open"]).describe() == "status no longer open"
    assert Phase.RESOLVED.value in StatusCondition.of(None).describe()
