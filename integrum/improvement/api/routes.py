"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    pass
