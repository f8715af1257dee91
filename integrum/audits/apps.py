from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "integrum.audits"
    label = "audits"
    verbose_name = "Internal audit"
