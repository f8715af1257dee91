"""The `aspects/`, `significance-methods/`, `obligations/` and `compliance-evaluations/` collections
(ISO 14001 6.1.2, 6.1.3, 9.1.2), written through `environment.services`."""

from integrum.environment.api.aspects import AspectViewSet, SignificanceMethodViewSet
from integrum.environment.api.obligations import ComplianceEvaluationViewSet, ObligationViewSet

__all__ = ["AspectViewSet", "ComplianceEvaluationViewSet", "ObligationViewSet", "SignificanceMethodViewSet"]
