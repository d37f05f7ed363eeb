"""Prints the hostile-input figures (runs by outcome, per vendor) after the tests, when they ran."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.hostile.test_hostile_input import TALLY, outcome_table

    if TALLY:
        terminalreporter.write_sep("-", "hostile input: runs by outcome")
        for line in outcome_table():
            terminalreporter.write_line(line)
