from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "integrum.reviews"
    label = "reviews"
    verbose_name = "Management review"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register
        from integrum.reviews import evidence
        from integrum.reviews.models import ManagementReview

        register(MenuEntry("Check", "Management review", "reviews:review_list", clauses="9.3"))
        register_linkable(ManagementReview, "Management review", ("reference", "title"))
        evidence.register()
