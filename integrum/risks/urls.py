from django.urls import path

from integrum.risks import views

app_name = "risks"

urlpatterns = [
    path("", views.RiskListView.as_view(), name="risk_list"),
    path("new/", views.RiskFormView.as_view(), name="risk_create"),
    path("import/", views.RiskImportView.as_view(), name="risk_import"),
    path("matrix/", views.RiskMatrixView.as_view(), name="matrix"),
    path("<int:pk>/", views.RiskDetailView.as_view(), name="risk_detail"),
    path("<int:pk>/edit/", views.RiskFormView.as_view(), name="risk_update"),
    path("<int:pk>/transition/", views.RiskTransitionView.as_view(), name="risk_transition"),
    path("<int:pk>/delete/", views.RiskDeleteView.as_view(), name="risk_delete"),
    path("<int:pk>/actions/", views.RiskActionCreateView.as_view(), name="risk_action_create"),
]
