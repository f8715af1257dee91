from django.urls import path

from integrum.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="assessment_list"),
    path("new/", views.AssessmentCreateView.as_view(), name="assessment_create"),
    path("<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("<int:pk>/edit/", views.AssessmentUpdateView.as_view(), name="assessment_update"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="item_detail"),
    path("items/<int:pk>/action/", views.ItemActionCreateView.as_view(), name="item_action_create"),
    path(
        "items/<int:pk>/evidence/upload/", views.ItemEvidenceUploadView.as_view(), name="item_evidence_upload"
    ),
    path("items/<int:pk>/evidence/link/", views.ItemEvidenceLinkView.as_view(), name="item_evidence_link"),
    path("evidence/<int:pk>/remove/", views.ItemEvidenceUnlinkView.as_view(), name="evidence_unlink"),
]
