"""Keeps the nonconformity and action benchmark runnable: tiny sizes, checking query counts stay flat."""

from __future__ import annotations

import pytest

from bench import nonconformities

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_nc_and_action_reads_cost_a_fixed_number_of_queries(settings):
    settings.ROOT_URLCONF = "bench.urls"

    def counts(size, tag):
        results = nonconformities.run(rows=size, repeat=2, fresh_database=False, tag=tag)
        assert not [r["name"] for r in results if r.get("skipped")]
        return {r["name"]: r["queries"] for r in results}

    small, large = counts(100, "s"), counts(500, "l")
    assert small == large
    assert len(small) == 12
