from django.urls import path

from integrum.measurement.views import batches, figures, meters

app_name = "measurement"

urlpatterns = [
    path("meters/", meters.MeterListView.as_view(), name="meter_list"),
    path("meters/new/", meters.MeterFormView.as_view(), name="meter_create"),
    path("meters/<int:pk>/", meters.MeterDetailView.as_view(), name="meter_detail"),
    path("meters/<int:pk>/edit/", meters.MeterFormView.as_view(), name="meter_update"),
    path("meters/<int:pk>/activation/", meters.MeterActivationView.as_view(), name="meter_activation"),
    path("meters/<int:pk>/delete/", meters.MeterDeleteView.as_view(), name="meter_delete"),
    path("import/", batches.ImportView.as_view(), name="reading_import"),
    path("batches/", batches.BatchListView.as_view(), name="batch_list"),
    path("batches/<int:pk>/", batches.BatchDetailView.as_view(), name="batch_detail"),
    path("batches/<int:pk>/progress/", batches.BatchProgressView.as_view(), name="batch_progress"),
    path("batches/<int:pk>/commit/", batches.BatchCommitView.as_view(), name="batch_commit"),
    path("batches/<int:pk>/revert/", batches.BatchRevertView.as_view(), name="batch_revert"),
    path("figures/", figures.SiteFigureListView.as_view(), name="figure_list"),
    path("figures/new/", figures.SiteFigureFormView.as_view(), name="figure_create"),
    path("figures/<int:pk>/edit/", figures.SiteFigureFormView.as_view(), name="figure_update"),
    path("figures/<int:pk>/delete/", figures.SiteFigureDeleteView.as_view(), name="figure_delete"),
]
