"""Context of the organisation routes; each views module lists its own patterns."""

from django.urls import URLPattern

from integrum.context.views import issues, parties, processes, roles, scopes

app_name = "context"

urlpatterns: list[URLPattern] = (
    issues.urlpatterns + parties.urlpatterns + scopes.urlpatterns + processes.urlpatterns + roles.urlpatterns
)
