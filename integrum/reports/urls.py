from django.urls import path

from integrum.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("my-work/", views.MyWorkView.as_view(), name="my_work"),
    path("search/", views.SearchView.as_view(), name="search"),
]
