from django.contrib import admin

from integrum.performance.models import Kpi, KpiValue, Objective


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ["reference", "name", "organisation", "source", "unit", "frequency", "is_active"]
    list_filter = ["organisation", "source", "frequency", "is_active"]
    search_fields = ["reference", "name"]
    readonly_fields = ["reference", "number"]


@admin.register(KpiValue)
class KpiValueAdmin(admin.ModelAdmin):
    list_display = ["kpi", "site", "period", "value", "quality", "origin"]
    list_filter = ["organisation", "quality", "origin"]
    readonly_fields = ["origin", "entered_by"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "organisation", "kpi", "due_date", "is_cancelled"]
    list_filter = ["organisation", "is_cancelled"]
    search_fields = ["reference", "title"]
    readonly_fields = ["reference", "number", "is_cancelled"]
