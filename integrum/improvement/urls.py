"""Pages of this app, mounted by `integrum.urls`."""

app_name = "improvement"

urlpatterns: list = []
