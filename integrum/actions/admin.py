from django.contrib import admin

from integrum.actions.models import Action


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "organisation", "status", "priority", "owner", "due_date"]
    list_filter = ["organisation", "status", "priority"]
    search_fields = ["reference", "title"]
    readonly_fields = [
        "reference",
        "number",
        "status",
        "completed_at",
        "source_type",
        "source_id",
        "created_by",
    ]
