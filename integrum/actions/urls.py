from django.urls import path

from integrum.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.ActionListView.as_view(), name="action_list"),
    path("new/", views.ActionFormView.as_view(), name="action_create"),
    path("ageing/", views.ActionAgeingView.as_view(), name="action_ageing"),
    path("reassign/", views.ActionReassignView.as_view(), name="action_reassign"),
    path("<int:pk>/", views.ActionDetailView.as_view(), name="action_detail"),
    path("<int:pk>/edit/", views.ActionFormView.as_view(), name="action_update"),
    path("<int:pk>/transition/", views.ActionTransitionView.as_view(), name="action_transition"),
]
