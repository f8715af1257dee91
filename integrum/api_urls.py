"""The whole REST API surface under /api/v1/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from integrum.actions.api import ActionViewSet
from integrum.assessments.api import AssessmentItemViewSet, AssessmentViewSet
from integrum.audits.api import routes as audits_routes
from integrum.context.api import (
    ClimateDeterminationViewSet,
    ContextIssueViewSet,
    InterestedPartyViewSet,
    OrganisationalRoleViewSet,
    PartyRequirementViewSet,
    ProcessInteractionViewSet,
    ProcessViewSet,
    ScopeExclusionViewSet,
    ScopeViewSet,
)
from integrum.core.api import (
    ChangeViewSet,
    MembershipViewSet,
    OrganisationViewSet,
    SiteViewSet,
    api_not_found,
)
from integrum.documents.api import AcknowledgementViewSet, DocumentRevisionViewSet, DocumentViewSet
from integrum.environment.api import (
    AspectViewSet,
    ComplianceEvaluationViewSet,
    ObligationViewSet,
    SignificanceMethodViewSet,
)
from integrum.ghg.api import routes as ghg_routes
from integrum.improvement.api import routes as improvement_routes
from integrum.measurement.api import routes as measurement_routes
from integrum.performance.api import routes as performance_routes
from integrum.reviews.api import routes as reviews_routes
from integrum.risks.api import RiskMatrixViewSet, RiskViewSet
from integrum.standards.api import ClauseViewSet, CorrespondenceViewSet, StandardViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("sites", SiteViewSet, basename="site")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("changes", ChangeViewSet, basename="change")
router.register("standards", StandardViewSet, basename="standard")
router.register("clauses", ClauseViewSet, basename="clause")
router.register("correspondences", CorrespondenceViewSet, basename="correspondence")
router.register("actions", ActionViewSet, basename="action")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("assessment-items", AssessmentItemViewSet, basename="assessment-item")
router.register("documents", DocumentViewSet, basename="document")
router.register("document-revisions", DocumentRevisionViewSet, basename="document-revision")
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
router.register("context-issues", ContextIssueViewSet, basename="context-issue")
router.register("climate-determinations", ClimateDeterminationViewSet, basename="climate-determination")
router.register("interested-parties", InterestedPartyViewSet, basename="interested-party")
router.register("party-requirements", PartyRequirementViewSet, basename="party-requirement")
router.register("scopes", ScopeViewSet, basename="scope")
router.register("scope-exclusions", ScopeExclusionViewSet, basename="scope-exclusion")
router.register("processes", ProcessViewSet, basename="process")
router.register("process-interactions", ProcessInteractionViewSet, basename="process-interaction")
router.register("roles", OrganisationalRoleViewSet, basename="organisational-role")
router.register("aspects", AspectViewSet, basename="aspect")
router.register("significance-methods", SignificanceMethodViewSet, basename="significance-method")
router.register("obligations", ObligationViewSet, basename="obligation")
router.register("compliance-evaluations", ComplianceEvaluationViewSet, basename="compliance-evaluation")
router.register("risks", RiskViewSet, basename="risk")
router.register("risk-matrices", RiskMatrixViewSet, basename="risk-matrix")
measurement_routes.register(router)
ghg_routes.register(router)
performance_routes.register(router)
audits_routes.register(router)
improvement_routes.register(router)
reviews_routes.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    # Last: any other address ending in a slash gets a 404 in the API's error format (addresses
    # without the slash still get CommonMiddleware's redirect to it first).
    re_path(r"^.*/$", api_not_found),
]
