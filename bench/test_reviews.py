"""Keeps the management review benchmark runnable: one and two years of data, checking that
compiling the inputs and showing the review cost the same number of queries."""

from __future__ import annotations

import pytest

from bench import reviews

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_the_review_costs_a_fixed_number_of_queries(settings):
    settings.ROOT_URLCONF = "bench.urls"

    def counts(years, tag):
        results = reviews.run(years=years, repeat=2, pdf=False, fresh_database=False, tag=tag)
        assert not [r["name"] for r in results if r.get("skipped")]
        return {r["name"]: r["queries"] for r in results}

    small, large = counts(1, "s"), counts(2, "l")
    assert small == large
    assert len(small) == 3
