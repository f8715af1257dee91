"""Reads shared by the review page, its PDF and the API: inputs with their catalogue entries and
coverage, outputs with their actions (a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrum.reviews.inputs import BY_KEY, InputSpec
from integrum.reviews.models import ManagementReview, ReviewInput, ReviewOutput
from integrum.reviews.services import ClauseCoverage, InputCoverage, clause_coverage, coverage


@dataclass
class Section:
    spec: InputSpec
    item: ReviewInput
    coverage: InputCoverage
    tables: list[dict[str, Any]]

    @property
    def summary(self) -> list[str]:
        return list(self.item.compiled.get("summary", []))

    @property
    def empty(self) -> bool:
        return bool(self.item.compiled.get("empty"))


def present_tables(compiled: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's tables with each row paired with its link, as the templates read them."""
    found = []
    for t in compiled.get("tables", []):
        links = list(t.get("links", [])) + [None] * len(t.get("rows", []))
        rows = [{"cells": row, "link": links[i]} for i, row in enumerate(t.get("rows", []))]
        found.append({"title": t.get("title", ""), "columns": t.get("columns", []), "rows": rows})
    return found


@dataclass
class ReviewRecord:
    sections: list[Section]
    coverage: list[InputCoverage]
    clauses: list[tuple[Any, list[ClauseCoverage]]]
    outputs: list[ReviewOutput]

    @property
    def gaps(self) -> list[InputCoverage]:
        return [entry for entry in self.coverage if not entry.covered]

    @property
    def covered_count(self) -> int:
        return sum(1 for entry in self.coverage if entry.covered)


def review_record(review: ManagementReview) -> ReviewRecord:
    """Everything the review's page and PDF show below the header."""
    inputs = list(review.inputs.all())
    found = coverage(review, inputs)
    by_key = {entry.spec.key: entry for entry in found}
    sections = [
        Section(BY_KEY[item.key], item, by_key[item.key], present_tables(item.compiled))
        for item in inputs
        if item.key in BY_KEY and item.key in by_key
    ]
    outputs = list(review.outputs.select_related("action", "action__owner").order_by("pk"))
    return ReviewRecord(sections, found, clause_coverage(review, found), outputs)
