"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter

from integrum.improvement.api.nonconformities import CauseEntryViewSet, NonconformityViewSet


def register(router: DefaultRouter) -> None:
    router.register("nonconformities", NonconformityViewSet, basename="nonconformity")
    router.register("nonconformity-causes", CauseEntryViewSet, basename="nonconformity-cause")
