"""Keeps the dashboard benchmark runnable: tiny sizes, checking query counts stay flat."""

from __future__ import annotations

import pytest

from bench import dashboard

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_the_dashboard_costs_a_fixed_number_of_queries(settings):
    settings.ROOT_URLCONF = "bench.urls"

    def counts(meters, years, tag):
        results, seeded = dashboard.run(meters=meters, years=years, repeat=2, fresh_database=False, tag=tag)
        assert seeded["monthly_totals"] == meters * years * 12
        assert seeded["inventory_results"] > 0
        return {r["name"]: r["queries"] for r in results}

    small, large = counts(3, 2, "s"), counts(12, 3, "l")
    assert small == large
    assert len(small) == 7
