"""This app's collections under /api/v1/, registered by `integrum.api_urls`."""

from rest_framework.routers import DefaultRouter

from integrum.ghg.api.datasets import FactorDatasetViewSet
from integrum.ghg.api.inventories import InventoryViewSet
from integrum.ghg.api.sources import ContractualInstrumentViewSet, EmissionSourceViewSet


def register(router: DefaultRouter) -> None:
    router.register("factor-datasets", FactorDatasetViewSet, basename="factor-dataset")
    router.register("ghg-inventories", InventoryViewSet, basename="ghg-inventory")
    router.register("emission-sources", EmissionSourceViewSet, basename="emission-source")
    router.register(
        "contractual-instruments", ContractualInstrumentViewSet, basename="contractual-instrument"
    )
