"""Keeps the register benchmark runnable: tiny sizes, checking query counts stay flat."""

from __future__ import annotations

import pytest

from bench import registers

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_register_reads_cost_a_fixed_number_of_queries(settings):
    settings.ROOT_URLCONF = "bench.urls"

    def counts(size, tag):
        results = registers.run(rows=size, repeat=2, fresh_database=False, tag=tag)
        return {r["name"]: r["queries"] for r in results}

    small, large = counts(30, "s"), counts(300, "l")
    assert small == large
    assert len(small) == 19
