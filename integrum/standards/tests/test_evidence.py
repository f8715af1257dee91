"""The registry through which `standards` shows records of apps to its right (fake providers here;
the documents' own provider is tested with the documents)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import pytest

from integrum.standards import evidence
from integrum.standards.evidence import EvidenceRecord
from integrum.standards.models import Clause

pytestmark = pytest.mark.django_db


def clause_at(code: str, number: str) -> Clause:
    return Clause.objects.get(standard__code=code, standard__edition="2015", number=number)


def record(reference: str, covers: str | None = "maintain", effective: bool = True) -> EvidenceRecord:
    return EvidenceRecord(
        label=f"{reference} Something",
        reference=reference,
        url=f"/things/{reference}/",
        status_label="Effective" if effective else "Draft",
        status_css="badge--done" if effective else "badge--muted",
        kind_label="Thing",
        covers=covers,
        effective=effective,
    )


@pytest.fixture
def linked() -> Iterator[dict[int, list[EvidenceRecord]]]:
    """A provider answering from a dict `clause id → records`, in place of the real ones."""
    links: dict[int, list[EvidenceRecord]] = {}
    calls: list[Collection[int]] = []

    def provider(
        user: Any, organisation: Any, clause_ids: Collection[int]
    ) -> dict[int, list[EvidenceRecord]]:
        calls.append(clause_ids)
        return {pk: list(found) for pk, found in links.items() if pk in clause_ids}

    saved = list(evidence._providers)
    evidence._providers[:] = [provider]
    yield links
    evidence._providers[:] = saved


def test_it_merges_what_every_provider_returns(
    linked: dict[int, list[EvidenceRecord]], standards: None
) -> None:
    policy = clause_at("ISO 9001", "5.2")
    linked[policy.pk] = [record("POL-001")]
    evidence.register_provider(lambda user, organisation, ids: {policy.pk: [record("ASP-001", None)]})

    found = evidence.records_for_clauses(None, None, [policy.pk])

    assert [r.reference for r in found[policy.pk]] == ["ASP-001", "POL-001"]
    assert evidence.records_for_clauses(None, None, []) == {}


def test_it_registers_a_provider_once(linked: dict[int, list[EvidenceRecord]]) -> None:
    provider = evidence._providers[0]
    evidence.register_provider(provider)

    assert evidence._providers.count(provider) == 1


def test_a_record_linked_to_a_clause_serves_its_sub_clauses(
    linked: dict[int, list[EvidenceRecord]], standards: None
) -> None:
    section, communicated = clause_at("ISO 9001", "5.2"), clause_at("ISO 9001", "5.2.2")
    linked[section.pk] = [record("POL-001")]
    linked[communicated.pk] = [record("POL-001"), record("FRM-004")]

    found = evidence.serving(None, None, [communicated, section])

    assert [(r.reference, r.via) for r in found[communicated.pk]] == [("FRM-004", ""), ("POL-001", "")]
    assert [(r.reference, r.via) for r in found[section.pk]] == [("POL-001", "")]
    only_above = evidence.serving(None, None, [clause_at("ISO 9001", "5.2.1")])
    assert [(r.reference, r.via) for r in next(iter(only_above.values()))] == [("POL-001", "5.2")]


def test_it_never_lends_a_record_to_the_same_number_in_another_standard(
    linked: dict[int, list[EvidenceRecord]], standards: None
) -> None:
    linked[clause_at("ISO 9001", "8").pk] = [record("PRO-001")]

    emergency = clause_at("ISO 14001", "8.2")

    assert evidence.serving(None, None, [emergency])[emergency.pk] == []


def test_an_item_is_covered_only_by_an_effective_record_of_its_kind(
    linked: dict[int, list[EvidenceRecord]], standards: None
) -> None:
    scope = clause_at("ISO 9001", "4.4.2")  # asks for a document to maintain and a record to retain
    linked[scope.pk] = [record("PRO-001", effective=False), record("PRO-002", covers=None)]

    first = evidence.coverage(None, None, [scope])[scope.pk]
    assert (first.covered, first.required, first.complete) == (0, 2, False)

    linked[clause_at("ISO 9001", "4.4").pk] = [record("PRO-003"), record("REC-001", covers="retain")]
    second = evidence.coverage(None, None, [scope])[scope.pk]

    assert [(i.item.kind, [r.reference for r in i.covered_by]) for i in second.items] == [
        ("maintain", ["PRO-003"]),
        ("retain", ["REC-001"]),
    ]
    assert second.complete


def test_it_counts_coverage_over_a_whole_standard_in_a_fixed_number_of_queries(
    linked: dict[int, list[EvidenceRecord]], standards: None, django_assert_num_queries: Any
) -> None:
    clauses = Clause.objects.filter(standard__code="ISO 14001")
    linked[clause_at("ISO 14001", "5.2").pk] = [record("POL-001")]
    linked[clause_at("ISO 14001", "9.1").pk] = [record("REC-001", covers="retain")]

    with django_assert_num_queries(2):  # the mandatory items with their clauses, the ancestors
        result = evidence.coverage(None, None, clauses)

    assert evidence.totals(result.values()) == (3, 15)  # 5.2, 9.1.1 and 9.1.2
    assert result[clause_at("ISO 14001", "9.1.2").pk].items[0].covered_by[0].via == "9.1"
    assert clause_at("ISO 14001", "9.1").pk not in result  # it asks for nothing itself


def test_a_clause_without_mandatory_items_costs_one_query(
    linked: dict[int, list[EvidenceRecord]], standards: None, django_assert_num_queries: Any
) -> None:
    context = clause_at("ISO 9001", "4.1")

    with django_assert_num_queries(1):
        assert evidence.coverage(None, None, [context]) == {}
