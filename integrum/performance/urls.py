from django.urls import path

from integrum.performance.views import dashboard, kpis, objectives

app_name = "performance"

urlpatterns = [
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("report/<int:year>/", dashboard.ReportView.as_view(), name="report"),
    path("report/<int:year>.pdf", dashboard.ReportView.as_view(format="pdf"), name="report_pdf"),
    path("report/<int:year>.xlsx", dashboard.ReportView.as_view(format="xlsx"), name="report_xlsx"),
    path("objectives/", objectives.ObjectiveListView.as_view(), name="objective_list"),
    path("objectives/new/", objectives.ObjectiveFormView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/", objectives.ObjectiveDetailView.as_view(), name="objective_detail"),
    path("objectives/<int:pk>/edit/", objectives.ObjectiveFormView.as_view(), name="objective_update"),
    path("objectives/<int:pk>/cancel/", objectives.ObjectiveCancelView.as_view(), name="objective_cancel"),
    path(
        "objectives/<int:pk>/reinstate/",
        objectives.ObjectiveReinstateView.as_view(),
        name="objective_reinstate",
    ),
    path("objectives/<int:pk>/delete/", objectives.ObjectiveDeleteView.as_view(), name="objective_delete"),
    path(
        "objectives/<int:pk>/actions/",
        objectives.ObjectiveActionCreateView.as_view(),
        name="objective_action_create",
    ),
    path("kpis/", kpis.KpiListView.as_view(), name="kpi_list"),
    path("kpis/new/", kpis.KpiFormView.as_view(), name="kpi_create"),
    path("kpis/import-values/", kpis.KpiValueImportView.as_view(), name="kpi_value_import"),
    path("kpis/<int:pk>/", kpis.KpiDetailView.as_view(), name="kpi_detail"),
    path("kpis/<int:pk>/edit/", kpis.KpiFormView.as_view(), name="kpi_update"),
    path("kpis/<int:pk>/delete/", kpis.KpiDeleteView.as_view(), name="kpi_delete"),
    path("kpis/<int:pk>/values/", kpis.KpiValueRecordView.as_view(), name="kpi_value_record"),
    path(
        "kpis/<int:pk>/values/<int:value_pk>/delete/",
        kpis.KpiValueDeleteView.as_view(),
        name="kpi_value_delete",
    ),
]
