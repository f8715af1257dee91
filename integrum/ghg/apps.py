from django.apps import AppConfig


class GhgConfig(AppConfig):
    name = "integrum.ghg"
    label = "ghg"
    verbose_name = "Greenhouse-gas inventory"
