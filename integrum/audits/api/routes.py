"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter

from integrum.audits.api.audits import (
    AuditorViewSet,
    AuditProgrammeViewSet,
    AuditViewSet,
    ChecklistItemViewSet,
    FindingViewSet,
    GradeDefinitionViewSet,
)


def register(router: DefaultRouter) -> None:
    router.register("audit-programmes", AuditProgrammeViewSet, basename="audit-programme")
    router.register("auditors", AuditorViewSet, basename="auditor")
    router.register("audits", AuditViewSet, basename="audit")
    router.register("checklist-items", ChecklistItemViewSet, basename="checklist-item")
    router.register("findings", FindingViewSet, basename="finding")
    router.register("grade-definitions", GradeDefinitionViewSet, basename="grade-definition")
