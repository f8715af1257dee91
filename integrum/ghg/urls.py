from django.urls import path

from integrum.ghg.views import datasets, inventories, sources

app_name = "ghg"

urlpatterns: list = [
    path("factors/", datasets.DatasetListView.as_view(), name="dataset_list"),
    path("factors/import/", datasets.DatasetImportView.as_view(), name="dataset_import"),
    path("factors/<int:pk>/", datasets.DatasetDetailView.as_view(), name="dataset_detail"),
    path("factors/<int:pk>/export/", datasets.DatasetExportView.as_view(), name="dataset_export"),
    path("inventories/", inventories.InventoryListView.as_view(), name="inventory_list"),
    path("inventories/new/", inventories.InventoryFormView.as_view(), name="inventory_create"),
    path("inventories/<int:pk>/", inventories.InventoryDetailView.as_view(), name="inventory_detail"),
    path("inventories/<int:pk>/edit/", inventories.InventoryFormView.as_view(), name="inventory_update"),
    path(
        "inventories/<int:pk>/recalculate/",
        inventories.InventoryRecalculateView.as_view(),
        name="inventory_recalculate",
    ),
    path("inventories/<int:pk>/close/", inventories.InventoryCloseView.as_view(), name="inventory_close"),
    path(
        "inventories/<int:pk>/restate/", inventories.InventoryRestateView.as_view(), name="inventory_restate"
    ),
    path("inventories/<int:pk>/export/", inventories.InventoryExportView.as_view(), name="inventory_export"),
    path("sources/", sources.SourceListView.as_view(), name="source_list"),
    path("sources/new/", sources.SourceFormView.as_view(), name="source_create"),
    path("sources/factors/", sources.FactorPickerView.as_view(), name="factor_picker"),
    path("sources/<int:pk>/edit/", sources.SourceFormView.as_view(), name="source_update"),
    path("sources/<int:pk>/delete/", sources.SourceDeleteView.as_view(), name="source_delete"),
    path("instruments/", sources.InstrumentListView.as_view(), name="instrument_list"),
    path("instruments/new/", sources.InstrumentFormView.as_view(), name="instrument_create"),
    path("instruments/<int:pk>/edit/", sources.InstrumentFormView.as_view(), name="instrument_update"),
    path("instruments/<int:pk>/delete/", sources.InstrumentDeleteView.as_view(), name="instrument_delete"),
]
