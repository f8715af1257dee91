"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter

from integrum.reviews.api.reviews import ManagementReviewViewSet, ReviewInputViewSet


def register(router: DefaultRouter) -> None:
    router.register("management-reviews", ManagementReviewViewSet, basename="management-review")
    router.register("review-inputs", ReviewInputViewSet, basename="review-input")
