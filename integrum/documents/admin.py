"""Django admin for document control: for inspection. Signatures, acknowledgements and downloads
are evidence, so they are read-only here; documents change through the pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integrum.documents.models import (
    Acknowledgement,
    ApprovalStep,
    Document,
    DocumentRevision,
    Download,
    NumberingRule,
    PeriodicReview,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NumberingRule)
class NumberingRuleAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "prefix", "padding"]
    list_filter = ["organisation", "kind"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "organisation", "kind", "status", "owner", "next_review_date"]
    list_filter = ["organisation", "kind", "status"]
    search_fields = ["reference", "title"]
    raw_id_fields = ["owner", "current_revision"]


@admin.register(DocumentRevision)
class DocumentRevisionAdmin(ReadOnlyAdmin):
    list_display = ["document", "label", "status", "effective_date", "original_name", "created_by"]
    list_filter = ["organisation", "status"]
    search_fields = ["document__reference", "document__title", "label"]
    exclude = ["extracted_text"]


@admin.register(ApprovalStep)
class ApprovalStepAdmin(ReadOnlyAdmin):
    list_display = ["revision", "position", "kind", "assignee", "role", "status", "signed_by", "signed_at"]
    list_filter = ["organisation", "status", "kind"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["revision", "user", "acknowledged_at"]
    list_filter = ["organisation"]


@admin.register(PeriodicReview)
class PeriodicReviewAdmin(ReadOnlyAdmin):
    list_display = ["document", "outcome", "reviewed_by", "created_at", "next_review_date"]
    list_filter = ["organisation", "outcome"]


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    list_display = ["revision", "user", "copy", "at", "address"]
    list_filter = ["organisation", "copy"]
