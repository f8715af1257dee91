from django.contrib import admin

from integrum.assessments.models import Assessment, AssessmentItem


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "integrated", "status", "owner"]
    list_filter = ["organisation", "status"]


@admin.register(AssessmentItem)
class AssessmentItemAdmin(admin.ModelAdmin):
    list_display = ["assessment", "clause", "status", "owner", "target_date"]
    list_filter = ["assessment", "status"]
    raw_id_fields = ["clause", "owner"]
    filter_horizontal = ["clauses"]
