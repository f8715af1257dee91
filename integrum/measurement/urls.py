from django.urls import path  # noqa: F401  (routes are added as the pages are)

app_name = "measurement"

urlpatterns: list = []
