"""The whole REST API surface under /api/v1/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from integrum.actions.api import ActionViewSet
from integrum.assessments.api import AssessmentItemViewSet, AssessmentViewSet
from integrum.core.api import (
    ChangeViewSet,
    MembershipViewSet,
    OrganisationViewSet,
    SiteViewSet,
    api_not_found,
)
from integrum.documents.api import AcknowledgementViewSet, DocumentRevisionViewSet, DocumentViewSet
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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    # Last: any other address ending in a slash gets a 404 in the API's error format (addresses
    # without the slash still get CommonMiddleware's redirect to it first).
    re_path(r"^.*/$", api_not_found),
]
