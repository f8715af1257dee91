"""The gap analysis sees the context registers as evidence for 4.1–4.4 and 5.3 without clause links."""

from __future__ import annotations

import pytest

from integrum.context import services
from integrum.context.tests.factories import iso, make_issue, make_party, make_process, make_role, make_scope
from integrum.standards import evidence
from integrum.standards.models import Clause

pytestmark = pytest.mark.django_db


def clause(code: str, number: str) -> Clause:
    return Clause.objects.get(standard=iso(code), number=number)


def labels(found, c):
    return [record.label for record in found.get(c.pk, [])]


def test_it_answers_by_clause_number_for_both_standards(viewer, organisation, manager, standards):
    quality_only = make_issue(organisation, title="Customer churn", standards=[iso("ISO 9001")])
    both = make_issue(organisation, title="Flooding", category="environmental")
    party = make_party(organisation)
    process = make_process(organisation)
    role = make_role(organisation)
    make_scope(organisation)
    services.climate_determination_set(
        organisation=organisation, relevant=True, rationale="Floods.", decided_by=manager
    )
    wanted = [
        clause(code, n) for code in ("ISO 9001", "ISO 14001") for n in ("4.1", "4.2", "4.3", "4.4", "5.3")
    ]
    found = evidence.records_for_clauses(viewer, organisation, [c.pk for c in wanted])
    q41, e41 = clause("ISO 9001", "4.1"), clause("ISO 14001", "4.1")
    assert str(quality_only) in labels(found, q41) and str(quality_only) not in labels(found, e41)
    assert str(both) in labels(found, q41) and str(both) in labels(found, e41)
    assert any("Climate change" in label for label in labels(found, e41))
    assert str(party) in labels(found, clause("ISO 14001", "4.2"))
    assert labels(found, clause("ISO 9001", "4.3")) == ["Scope statement for ISO 9001:2015"]
    assert labels(found, clause("ISO 14001", "4.3")) == []
    assert str(process) in labels(found, clause("ISO 9001", "4.4"))
    assert str(role) in labels(found, clause("ISO 14001", "5.3"))


def test_it_serves_sub_clauses_and_covers_the_scope_item(viewer, organisation, standards):
    make_process(organisation)
    make_scope(organisation)
    served = evidence.serving(viewer, organisation, [clause("ISO 9001", "4.4.1")])
    assert [r.via for r in served[clause("ISO 9001", "4.4.1").pk]] == ["4.4"]
    scope_clause = clause("ISO 9001", "4.3")
    coverage = evidence.coverage(viewer, organisation, [scope_clause])
    assert coverage[scope_clause.pk].complete


def test_it_shows_nothing_to_an_outsider(outsider, organisation, standards):
    make_issue(organisation)
    c = clause("ISO 9001", "4.1")
    assert evidence.records_for_clauses(outsider, organisation, [c.pk]) == {}


def test_it_costs_the_same_queries_for_more_records(viewer, organisation, standards, count_queries):
    ids = [
        clause(code, n).pk for code in ("ISO 9001", "ISO 14001") for n in ("4.1", "4.2", "4.3", "4.4", "5.3")
    ]

    def queries(total: int) -> int:
        from integrum.context.models import ContextIssue

        while ContextIssue.objects.count() < total:
            n = ContextIssue.objects.count()
            make_issue(organisation, title=f"Issue {n}", standards=[iso("ISO 9001")])
            make_party(organisation, name=f"Party {n}")
            make_role(organisation, title=f"Role {n}")
            make_process(organisation, name=f"Process {n}")
        return count_queries(lambda: evidence.records_for_clauses(viewer, organisation, ids))

    queries(1)  # the viewer's memberships are read once and kept
    # Every app's provider runs (context, risks, environment, performance, audits, …): a few each.
    assert queries(1) == queries(8) <= 18
