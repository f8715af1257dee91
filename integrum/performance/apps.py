from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "integrum.performance"
    label = "performance"
    verbose_name = "Objectives and KPIs"
