"""Pages of this app, mounted by `integrum.urls`."""

app_name = "audits"

urlpatterns: list = []
