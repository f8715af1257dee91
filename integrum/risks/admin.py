from django.contrib import admin

from integrum.risks.models import Risk, RiskMatrix


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "organisation",
        "kind",
        "status",
        "inherent_score",
        "residual_score",
    ]
    list_filter = ["organisation", "kind", "status"]
    search_fields = ["reference", "title"]
    readonly_fields = [
        "reference",
        "number",
        "status",
        "inherent_score",
        "residual_score",
        "matrix",
        "created_by",
    ]


@admin.register(RiskMatrix)
class RiskMatrixAdmin(admin.ModelAdmin):
    list_display = ["organisation", "number", "size", "is_current", "created_at"]
    list_filter = ["organisation", "is_current"]

    def has_change_permission(self, request, obj=None):
        return False  # versions are never edited: the matrix page adds the next one
