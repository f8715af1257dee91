"""Keeps the document benchmark runnable: tiny sizes, checking query counts stay flat."""

from __future__ import annotations

import pytest

from bench import documents

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_runs_and_reads_cost_a_fixed_number_of_queries(settings):
    settings.ROOT_URLCONF = "bench.urls"

    def counts(size, tag):
        results = documents.run(documents=size, repeat=2, fresh_database=False, tag=tag)
        return {r["name"]: r.get("queries", "skipped") for r in results}

    small, large = counts(30, "s"), counts(300, "l")
    assert small == large
    searches = [name for name in small if name.startswith("search page")]
    assert searches and all(small[name] != "skipped" for name in searches)
