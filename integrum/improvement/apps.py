from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "integrum.improvement"
    label = "improvement"
    verbose_name = "Nonconformity and corrective action"
