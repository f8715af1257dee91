from django.urls import path

from integrum.environment.views import aspects, evaluations, obligations

app_name = "environment"

urlpatterns = [
    path("aspects/", aspects.AspectListView.as_view(), name="aspect_list"),
    path("aspects/significant/", aspects.SignificantAspectListView.as_view(), name="aspect_significant"),
    path("aspects/new/", aspects.AspectFormView.as_view(), name="aspect_create"),
    path("aspects/import/", aspects.AspectImportView.as_view(), name="aspect_import"),
    path("aspects/<int:pk>/", aspects.AspectDetailView.as_view(), name="aspect_detail"),
    path("aspects/<int:pk>/edit/", aspects.AspectFormView.as_view(), name="aspect_update"),
    path("aspects/<int:pk>/score/", aspects.AspectScoreView.as_view(), name="aspect_score"),
    path("aspects/<int:pk>/delete/", aspects.AspectDeleteView.as_view(), name="aspect_delete"),
    path("significance-method/", aspects.MethodDetailView.as_view(), name="method_current"),
    path("significance-method/new-version/", aspects.MethodReviseView.as_view(), name="method_revise"),
    path("significance-method/<int:pk>/", aspects.MethodDetailView.as_view(), name="method_detail"),
    path("obligations/", obligations.ObligationListView.as_view(), name="obligation_list"),
    path("obligations/new/", obligations.ObligationFormView.as_view(), name="obligation_create"),
    path("obligations/import/", obligations.ObligationImportView.as_view(), name="obligation_import"),
    path(
        "obligations/from-requirement/<int:pk>/",
        obligations.ObligationFromRequirementView.as_view(),
        name="obligation_from_requirement",
    ),
    path("obligations/<int:pk>/", obligations.ObligationDetailView.as_view(), name="obligation_detail"),
    path("obligations/<int:pk>/edit/", obligations.ObligationFormView.as_view(), name="obligation_update"),
    path(
        "obligations/<int:pk>/transition/",
        obligations.ObligationTransitionView.as_view(),
        name="obligation_transition",
    ),
    path(
        "obligations/<int:pk>/delete/", obligations.ObligationDeleteView.as_view(), name="obligation_delete"
    ),
    path("evaluations/", evaluations.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/new/", evaluations.EvaluationFormView.as_view(), name="evaluation_create"),
    path("evaluations/import/", evaluations.EvaluationImportView.as_view(), name="evaluation_import"),
    path("evaluations/<int:pk>/", evaluations.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("evaluations/<int:pk>/edit/", evaluations.EvaluationFormView.as_view(), name="evaluation_update"),
    path(
        "evaluations/<int:pk>/complete/",
        evaluations.EvaluationCompleteView.as_view(),
        name="evaluation_complete",
    ),
    path(
        "evaluations/<int:pk>/delete/", evaluations.EvaluationDeleteView.as_view(), name="evaluation_delete"
    ),
]
