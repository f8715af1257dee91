from __future__ import annotations

from django.urls import path

from integrum.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.StandardListView.as_view(), name="standard_list"),
    path("<int:pk>/", views.StandardDetailView.as_view(), name="standard_detail"),
    path("clauses/<int:pk>/", views.ClauseDetailView.as_view(), name="clause_detail"),
    path("side-by-side/", views.CompareView.as_view(), name="compare"),
]
