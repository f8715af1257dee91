"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter

from integrum.measurement.api.meters import MeterViewSet, SiteFigureViewSet
from integrum.measurement.api.readings import MonthlyTotalViewSet, ReadingBatchViewSet, ReadingViewSet


def register(router: DefaultRouter) -> None:
    router.register("meters", MeterViewSet, basename="meter")
    router.register("readings", ReadingViewSet, basename="reading")
    router.register("reading-batches", ReadingBatchViewSet, basename="reading-batch")
    router.register("monthly-totals", MonthlyTotalViewSet, basename="monthly-total")
    router.register("site-figures", SiteFigureViewSet, basename="site-figure")
