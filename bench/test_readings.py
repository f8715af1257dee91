"""Keeps the reading import benchmark runnable: tiny sizes, checking query counts stay flat."""

from __future__ import annotations

import pytest

from bench import readings

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_the_import_costs_a_fixed_number_of_queries():
    small = readings.run(rows=60, meters=3, fresh_database=False, tag="s")
    large = readings.run(rows=900, meters=3, fresh_database=False, tag="l")
    assert (small["rows"], large["rows"]) == (60, 900)
    assert small["queries"] == large["queries"]
    assert small["import_seconds"] > 0 and small["raw_seconds"] > 0
    assert "900 readings committed" in large["last_line"]
