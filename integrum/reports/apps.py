from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "integrum.reports"
    label = "reports"
    verbose_name = "Dashboards and reports"
