"""The context services: numbering, tenancy, the scope's exclusions, interactions and roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrum.context import selectors, services
from integrum.context.models import (
    ClimateDetermination,
    ContextIssue,
    OrganisationalRole,
    PartyRequirement,
    ProcessInteraction,
    ScopeExclusion,
)
from integrum.context.tests.factories import iso, make_issue, make_party, make_process, make_role, make_scope
from integrum.core.models import ObjectChange, Site, StaleEdit
from integrum.standards.models import Clause

pytestmark = pytest.mark.django_db


def state() -> tuple[int, ...]:
    """Row counts of every context table and of the change log."""
    from integrum.context import models

    counted = [
        models.ContextIssue,
        models.ClimateDetermination,
        models.InterestedParty,
        models.PartyRequirement,
        models.Scope,
        models.ScopeExclusion,
        models.Process,
        models.ProcessInteraction,
        models.OrganisationalRole,
    ]
    return (*(model.objects.count() for model in counted), ObjectChange.objects.count())


def test_it_numbers_each_register_per_organisation(organisation, other_organisation):
    assert make_issue(organisation).reference == "CI-001"
    assert make_issue(organisation, title="Energy prices").reference == "CI-002"
    assert make_issue(other_organisation).reference == "CI-001"
    assert make_party(organisation).reference == "IP-001"
    assert make_process(organisation).reference == "PR-001"
    assert make_role(organisation).reference == "ROL-001"


def test_it_refuses_an_owner_from_outside_and_changes_nothing(organisation, outsider):
    before = state()
    with pytest.raises(ValidationError) as error:
        make_issue(organisation, owner=outsider)
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError):
        make_process(organisation, owner=outsider)
    assert state() == before


def test_it_refuses_an_unknown_category(organisation):
    before = state()
    with pytest.raises(ValidationError) as error:
        make_issue(organisation, category="gossip")
    assert "category" in error.value.message_dict
    assert state() == before


def test_it_keeps_pestle_and_swot_in_one_field(organisation):
    assert make_issue(organisation, category="threat").family == "SWOT"
    assert make_issue(organisation, title="New law", category="legal").family == "PESTLE"


def test_it_refuses_a_stale_edit(organisation):
    issue = make_issue(organisation)
    services.context_issue_update(issue=ContextIssue.objects.get(pk=issue.pk), title="First", version=1)
    with pytest.raises(StaleEdit):
        services.context_issue_update(issue=ContextIssue.objects.get(pk=issue.pk), title="Second", version=1)
    assert ContextIssue.objects.get(pk=issue.pk).title == "First"


def test_it_keeps_the_climate_determination_and_its_history(organisation, manager):
    assert selectors.climate_determination_missing(organisation)
    first = services.climate_determination_set(
        organisation=organisation, relevant=False, rationale="Indoor work only.", decided_by=manager
    )
    services.climate_determination_set(
        organisation=organisation,
        relevant=True,
        rationale="Flood risk at BHM.",
        decided_by=manager,
        version=1,
    )
    assert ClimateDetermination.objects.count() == 1
    assert not selectors.climate_determination_missing(organisation)
    changes = list(ObjectChange.objects.for_object(first).order_by("id"))
    assert [c.action for c in changes] == ["create", "update"]
    assert changes[1].before["rationale"] == "Indoor work only."
    with pytest.raises(StaleEdit):
        services.climate_determination_set(
            organisation=organisation, relevant=False, rationale="Stale.", decided_by=manager, version=1
        )


def test_it_requires_a_rationale_for_the_climate_determination(organisation, manager):
    before = state()
    with pytest.raises(ValidationError) as error:
        services.climate_determination_set(
            organisation=organisation, relevant=True, rationale="  ", decided_by=manager
        )
    assert "rationale" in error.value.message_dict
    assert state() == before


def test_it_only_lets_adopted_requirements_become_obligations(organisation):
    party = make_party(organisation)
    before = state()
    with pytest.raises(ValidationError) as error:
        services.party_requirement_create(
            party=party, text="Report spills", adopted=False, becomes_obligation=True
        )
    assert "becomes_obligation" in error.value.message_dict
    assert state() == before
    requirement = services.party_requirement_create(
        party=party, text="Report spills", adopted=True, becomes_obligation=True
    )
    assert requirement.organisation_id == organisation.pk


def test_it_allows_one_scope_per_standard(organisation, standards):
    make_scope(organisation)
    before = state()
    with pytest.raises(ValidationError) as error:
        make_scope(organisation)
    assert "standard" in error.value.message_dict
    assert state() == before
    make_scope(organisation, "ISO 14001")


def test_it_refuses_sites_of_another_organisation_in_a_scope(organisation, other_organisation, standards):
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    before = state()
    with pytest.raises(ValidationError) as error:
        make_scope(organisation, sites=[foreign])
    assert "sites" in error.value.message_dict
    assert state() == before


def test_it_declares_an_allowed_iso_9001_requirement_not_applicable(organisation, standards):
    scope = make_scope(organisation)
    clause = Clause.objects.get(standard=iso("ISO 9001"), number="8.3")
    exclusion = services.scope_exclusion_add(
        scope=scope, clause=clause, justification="We build to customer drawings."
    )
    assert exclusion.organisation_id == organisation.pk


@pytest.mark.parametrize(
    ("code", "number", "justification", "field"),
    [
        ("ISO 9001", "8.5.1", "Not ours.", "clause"),  # the standard does not allow it
        ("ISO 14001", "8.1", "Other standard.", "clause"),  # a clause of another standard
        ("ISO 9001", "8.3", "   ", "justification"),  # no justification
    ],
)
def test_it_refuses_an_exclusion_the_rules_forbid(
    organisation, standards, code, number, justification, field
):
    scope = make_scope(organisation)
    clause = Clause.objects.get(standard=iso(code), number=number)
    before = state()
    with pytest.raises(ValidationError) as error:
        services.scope_exclusion_add(scope=scope, clause=clause, justification=justification)
    assert field in error.value.message_dict
    assert state() == before


def test_it_refuses_exclusions_in_an_iso_14001_scope(organisation, standards):
    scope = make_scope(organisation, "ISO 14001")
    clause = Clause.objects.get(standard=iso("ISO 9001"), number="8.3")
    with pytest.raises(ValidationError):
        services.scope_exclusion_add(scope=scope, clause=clause, justification="Design is done abroad.")
    assert not ScopeExclusion.objects.exists()


def test_it_refuses_a_process_feeding_itself_or_twice(organisation):
    sales, production = make_process(organisation), make_process(organisation, name="Production")
    services.process_interaction_add(from_process=sales, to_process=production, flows="Orders")
    before = state()
    with pytest.raises(ValidationError, match="cannot feed itself"):
        services.process_interaction_add(from_process=sales, to_process=sales)
    with pytest.raises(ValidationError, match="already feeds"):
        services.process_interaction_add(from_process=sales, to_process=production)
    assert state() == before
    services.process_interaction_add(from_process=production, to_process=sales, flows="Delivery dates")
    assert ProcessInteraction.objects.count() == 2


def test_it_refuses_an_interaction_across_organisations(organisation, other_organisation):
    ours, theirs = make_process(organisation), make_process(other_organisation)
    with pytest.raises(ValidationError):
        services.process_interaction_add(from_process=ours, to_process=theirs)
    assert not ProcessInteraction.objects.exists()


def test_it_deletes_a_process_with_its_interactions(organisation):
    sales, production = make_process(organisation), make_process(organisation, name="Production")
    services.process_interaction_add(from_process=production, to_process=sales)
    services.process_delete(process=sales)
    assert not ProcessInteraction.objects.exists()


def test_it_gives_roles_only_to_members(organisation, manager, outsider):
    before = state()
    with pytest.raises(ValidationError) as error:
        make_role(organisation, holders=[manager, outsider])
    assert "holders" in error.value.message_dict
    assert state() == before
    role = make_role(organisation, holders=[manager])
    assert list(role.holders.all()) == [manager]


def test_it_refuses_a_reporting_loop(organisation):
    top = make_role(organisation, title="Managing director")
    middle = make_role(organisation, title="QHSE manager", reports_to=top)
    with pytest.raises(ValidationError) as error:
        services.organisational_role_update(role=OrganisationalRole.objects.get(pk=top.pk), reports_to=middle)
    assert "reports_to" in error.value.message_dict
    assert OrganisationalRole.objects.get(pk=top.pk).reports_to is None


def test_it_deletes_a_party_with_its_requirements(organisation):
    party = make_party(organisation)
    services.party_requirement_create(party=party, text="Quiet nights")
    services.interested_party_delete(party=party)
    assert not PartyRequirement.objects.exists()
