"""The library in the admin, to look at only: it changes through its data files and `standards load`.

An edit made here would be undone by the next load and would break the digest that lets the
loader skip unchanged files, so the admin offers no add, change or delete.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Standard


class ReadOnly:
    """Permission hooks shared by the admins and the inline below."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MandatoryDocumentInline(ReadOnly, admin.TabularInline):
    model = MandatoryDocument
    fields = ["position", "kind", "description"]


@admin.register(Standard)
class StandardAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "title", "discipline", "amendments"]
    list_filter = ["discipline"]
    search_fields = ["code", "edition", "title"]


@admin.register(Clause)
class ClauseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "title", "standard", "pdca", "is_leaf", "exclusion_allowed"]
    list_filter = ["standard", "pdca", "is_leaf", "exclusion_allowed"]
    list_select_related = ["standard"]
    search_fields = ["number", "title", "summary"]
    ordering = ["standard", "sort_key"]
    inlines = [MandatoryDocumentInline]


@admin.register(MandatoryDocument)
class MandatoryDocumentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["clause", "kind", "description"]
    list_filter = ["kind", "clause__standard"]
    list_select_related = ["clause__standard"]
    search_fields = ["description", "clause__number"]


@admin.register(Correspondence)
class CorrespondenceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["from_clause", "to_clause", "kind"]
    list_filter = ["kind"]
    list_select_related = ["from_clause__standard", "to_clause__standard"]
    search_fields = ["from_clause__number", "to_clause__number", "note"]
