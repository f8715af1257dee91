"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter

from integrum.performance.api.kpis import KpiValueViewSet, KpiViewSet
from integrum.performance.api.objectives import ObjectiveViewSet


def register(router: DefaultRouter) -> None:
    router.register("objectives", ObjectiveViewSet, basename="objective")
    router.register("kpis", KpiViewSet, basename="kpi")
    router.register("kpi-values", KpiValueViewSet, basename="kpi-value")
