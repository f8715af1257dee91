"""Keeps the benchmark runnable: the same code on tiny sizes, checking query counts stay flat."""

from __future__ import annotations

import pytest

from bench import foundation

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_reads_cost_a_fixed_number_of_queries(settings):
    settings.ROOT_URLCONF = "bench.urls"
    small = {
        r["name"]: r["queries"] for r in foundation.run(actions=30, repeat=2, fresh_database=False, tag="s")
    }
    large = {
        r["name"]: r["queries"] for r in foundation.run(actions=300, repeat=2, fresh_database=False, tag="l")
    }
    assert small == large
