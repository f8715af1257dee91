"""Document control routes; each views module lists its own patterns."""

from django.urls import URLPattern

from integrum.documents.views import files, pages, search

app_name = "documents"

urlpatterns: list[URLPattern] = pages.urlpatterns + files.urlpatterns + search.urlpatterns
