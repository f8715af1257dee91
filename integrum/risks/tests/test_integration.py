"""How the register shows elsewhere: clause evidence, related records, my work, search."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from integrum.actions.tests.factories import make_action
from integrum.core import linking
from integrum.core.relations import related_to
from integrum.risks import selectors, services
from integrum.risks.tests.factories import make_risk
from integrum.standards.evidence import serving
from integrum.standards.models import Clause, Standard

pytestmark = pytest.mark.django_db


def clause(code: str, number: str) -> Clause:
    return Clause.objects.select_related("standard").get(standard__code=code, number=number)


def test_it_serves_the_risk_clauses_of_the_standards_each_risk_concerns(
    organisation, viewer, outsider, standards
):
    both = make_risk(organisation, title="Both")
    quality = make_risk(organisation, title="Quality only", standards=[Standard.objects.get(code="ISO 9001")])
    closed = make_risk(organisation, title="Closed")
    services.risk_transition(risk=closed, to="closed")
    wanted = [
        clause("ISO 9001", "6.1.1"),
        clause("ISO 9001", "6.1.2"),
        clause("ISO 14001", "6.1.4"),
        clause("ISO 14001", "6.1.2"),
        clause("ISO 9001", "7.5"),
    ]
    found = serving(viewer, organisation, wanted)
    labels = {c.number + c.standard.code: {r.label for r in found[c.pk]} for c in wanted}
    assert labels["6.1.1ISO 9001"] == {str(both), str(quality)}
    assert labels["6.1.2ISO 9001"] == {str(both), str(quality)}
    assert {label for label in labels["6.1.4ISO 14001"] if label.startswith("RSK")} == {str(both)}
    assert not any(label.startswith("RSK") for label in labels["6.1.2ISO 14001"] | labels["7.5ISO 9001"])
    record = next(r for r in found[wanted[0].pk] if r.reference == both.reference)
    assert record.via == "" and record.kind_label == "Risk" and record.url == both.get_absolute_url()
    seen_by_outsider = serving(outsider, organisation, wanted).values()
    assert not any(r.reference.startswith("RSK") for records in seen_by_outsider for r in records)


def test_it_covers_the_14001_mandatory_list_of_risks(organisation, viewer, standards):
    from integrum.standards.evidence import coverage

    target = clause("ISO 14001", "6.1.1")
    assert not coverage(viewer, organisation, [target])[target.pk].complete
    make_risk(organisation)
    assert coverage(viewer, organisation, [target])[target.pk].complete


def test_it_lists_risks_raised_from_a_record(organisation, viewer, outsider, standards, action_sources):
    source = make_action(organisation, title="Source")
    risk = make_risk(organisation, source=source)
    make_risk(organisation, title="Unrelated")
    related = related_to(source, viewer)
    assert [(r.label, r.record) for r in related] == [("Risk", risk)]
    assert related_to(source, outsider) == []


def test_it_finds_reviews_due_for_their_owner(
    organisation, manager, viewer, standards, django_assert_num_queries
):
    today = timezone.localdate()
    due = make_risk(organisation, title="Due", owner=manager, review_date=today)
    overdue = make_risk(
        organisation, title="Overdue", owner=manager, review_date=today - datetime.timedelta(days=3)
    )
    make_risk(organisation, title="Later", owner=manager, review_date=today + datetime.timedelta(days=1))
    make_risk(organisation, title="Someone else's", owner=viewer, review_date=today)
    closed = make_risk(organisation, title="Closed", owner=manager, review_date=today)
    services.risk_transition(risk=closed, to="closed")
    from integrum.core.permissions import memberships_of

    memberships_of(manager)
    with django_assert_num_queries(1):
        assert list(selectors.reviews_due_for(manager, organisation)) == [overdue, due]
    assert selectors.headline(manager, organisation) == {"open": 4, "high": 4, "reviews_due": 3}


def test_it_is_found_by_the_search_and_by_reference(organisation, viewer, standards):
    risk = make_risk(organisation, title="Drought stops the cooling water")
    assert linking.find_by_reference(viewer, organisation, "rsk-001") == risk
    assert any(obj == risk for _, obj in linking.search(viewer, organisation, "drought"))


def test_it_comes_from_a_context_issue_shown_on_the_issue(organisation, contributor, viewer, standards):
    from integrum.context.services import context_issue_create

    issue = context_issue_create(
        organisation=organisation,
        title="Single foundry supplies castings",
        origin="external",
        category="economic",
    )
    # The picker offers it, the import finds it by reference, and the issue lists the risk.
    from integrum.risks.sources import choices_for, resolve

    groups = dict(choices_for(contributor, organisation)[1:])
    assert (f"context.contextissue:{issue.pk}", str(issue)) in groups["Context issue"]
    assert resolve(f"context.contextissue:{issue.pk}", contributor, organisation) == issue
    risk = make_risk(organisation, source=issue)
    assert [r.record for r in related_to(issue, viewer)] == [risk]
    from integrum.risks.tabular import RiskSpec

    data = RiskSpec().parse_row(
        {
            "Type": "Risk",
            "Title": "Another",
            "Standards": "ISO 9001",
            "Inherent likelihood": "2",
            "Inherent consequence": "2",
            "Source": issue.reference,
        },
        organisation=organisation,
        user=contributor,
    )
    assert data["source"] == issue
