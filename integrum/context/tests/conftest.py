from __future__ import annotations

from typing import Any

import pytest

from integrum.context import services
from integrum.context.tests.factories import make_issue, make_party, make_process, make_role, make_scope
from integrum.standards.models import Clause


@pytest.fixture
def records(organisation: Any, manager: Any, standards: None, sites: Any) -> dict[str, Any]:
    """One record of every kind in the organisation."""
    issue = make_issue(organisation, owner=manager)
    party = make_party(organisation)
    requirement = services.party_requirement_create(party=party, text="Quiet nights", adopted=True)
    scope = make_scope(organisation, sites=[sites[0]])
    exclusion = services.scope_exclusion_add(
        scope=scope,
        clause=Clause.objects.get(standard=scope.standard, number="8.3"),
        justification="No design.",
    )
    sales, production = (
        make_process(organisation, owner=manager),
        make_process(organisation, name="Production"),
    )
    interaction = services.process_interaction_add(from_process=sales, to_process=production, flows="Orders")
    role = make_role(organisation, holders=[manager])
    return {
        "issue": issue,
        "party": party,
        "requirement": requirement,
        "scope": scope,
        "exclusion": exclusion,
        "process": sales,
        "other_process": production,
        "interaction": interaction,
        "role": role,
    }
