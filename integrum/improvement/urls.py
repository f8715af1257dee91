"""Pages of this app, mounted by `integrum.urls`."""

from django.urls import path

from integrum.improvement import views

app_name = "improvement"

urlpatterns = [
    path("", views.NonconformityListView.as_view(), name="nc_list"),
    path("new/", views.NonconformityCreateView.as_view(), name="nc_create"),
    path("report/", views.ReportView.as_view(), name="nc_report"),
    path("<int:pk>/", views.NonconformityDetailView.as_view(), name="nc_detail"),
    path("<int:pk>/edit/", views.NonconformityUpdateView.as_view(), name="nc_update"),
    path("<int:pk>/delete/", views.NonconformityDeleteView.as_view(), name="nc_delete"),
    path("<int:pk>/triage/", views.TriageView.as_view(), name="nc_triage"),
    path("<int:pk>/reject/", views.RejectView.as_view(), name="nc_reject"),
    path("<int:pk>/start-actions/", views.StartActionsView.as_view(), name="nc_start_actions"),
    path(
        "<int:pk>/request-verification/",
        views.RequestVerificationView.as_view(),
        name="nc_request_verification",
    ),
    path(
        "<int:pk>/record-effectiveness/",
        views.RecordEffectivenessView.as_view(),
        name="nc_record_effectiveness",
    ),
    path("<int:pk>/close-signed/", views.CloseSignedView.as_view(), name="nc_close_signed"),
    path("<int:pk>/reopen/", views.ReopenView.as_view(), name="nc_reopen"),
    path("<int:pk>/analysis/", views.AnalysisView.as_view(), name="nc_analysis"),
    path("<int:pk>/causes/", views.CauseAddView.as_view(), name="nc_cause_add"),
    path("<int:pk>/causes/<int:cause_pk>/delete/", views.CauseDeleteView.as_view(), name="nc_cause_delete"),
    path("<int:pk>/actions/", views.ActionCreateView.as_view(), name="nc_action_create"),
]
