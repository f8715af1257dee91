"""The context collections (clauses 4.1–4.4 and 5.3), written through `context.services`."""

from integrum.context.api.issues import ClimateDeterminationViewSet, ContextIssueViewSet
from integrum.context.api.parties import InterestedPartyViewSet, PartyRequirementViewSet
from integrum.context.api.processes import ProcessInteractionViewSet, ProcessViewSet
from integrum.context.api.roles import OrganisationalRoleViewSet
from integrum.context.api.scopes import ScopeExclusionViewSet, ScopeViewSet

__all__ = [
    "ClimateDeterminationViewSet",
    "ContextIssueViewSet",
    "InterestedPartyViewSet",
    "OrganisationalRoleViewSet",
    "PartyRequirementViewSet",
    "ProcessInteractionViewSet",
    "ProcessViewSet",
    "ScopeExclusionViewSet",
    "ScopeViewSet",
]
