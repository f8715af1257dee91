from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "integrum.reviews"
    label = "reviews"
    verbose_name = "Management review"
