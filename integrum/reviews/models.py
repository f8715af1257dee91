"""Management review (ISO 9001 9.3, ISO 14001 9.3).

A review is scheduled, then its inputs are compiled from live data: one `ReviewInput` per entry
of the catalogue in `reviews.inputs` (the union of both standards' lists, each tagged with the
clauses it answers). What was compiled is kept as a snapshot so the signed record shows what top
management saw. Inputs no module holds yet are written by hand. Minutes are taken per input;
outputs each raise an action; the chair's signature closes the review.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from integrum.core.models import OrganisationOwned, VersionedModel


class ManagementReview(OrganisationOwned, VersionedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        COMPILED = "compiled", "Inputs compiled"
        SIGNED = "signed", "Signed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    standards = models.ManyToManyField("standards.Standard", related_name="+")
    scheduled_for = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    period_start = models.DateField(
        help_text="Data since this day is compiled (the last review, by default)."
    )
    period_end = models.DateField()
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    other_attendees = models.CharField(max_length=300, blank=True, help_text="People who are not members.")
    conclusions = models.TextField(
        blank=True, help_text="Suitability, adequacy and effectiveness of the management system."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED, editable=False)
    compiled_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-scheduled_for", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="review_number_unique"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="review_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review_detail", args=[self.pk])


class ReviewInput(OrganisationOwned, VersionedModel):
    """One required input of a review: compiled data (or text written by hand) and the minutes."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="inputs")
    key = models.CharField(max_length=40, help_text="The entry of `reviews.inputs.CATALOGUE`.")
    position = models.PositiveSmallIntegerField()
    compiled = models.JSONField(default=dict, blank=True, editable=False)
    manual = models.TextField(blank=True, help_text="For inputs no module holds: written by hand.")
    minutes = models.TextField(blank=True, help_text="What was discussed and concluded.")

    class Meta:
        ordering = ["review", "position"]
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="review_input_unique")]

    def __str__(self) -> str:
        return f"{self.review.reference} {self.key}"

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + f"#input-{self.key}"


class ReviewOutput(OrganisationOwned, VersionedModel):
    """A decision of the review; each one raises an action in the tracker."""

    class Kind(models.TextChoices):
        IMPROVEMENT = "improvement", "Improvement opportunity"
        CHANGE = "change", "Change needed to the management system"
        RESOURCES = "resources", "Resource need"
        OBJECTIVES = "objectives", "Action where objectives were not achieved"
        INTEGRATION = "integration", "Integration with business processes"
        STRATEGY = "strategy", "Implication for strategic direction"

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    decision = models.TextField()
    input_key = models.CharField(max_length=40, blank=True, help_text="The input it answers, if any.")
    action = models.OneToOneField(
        "actions.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["review", "pk"]

    def __str__(self) -> str:
        return f"{self.review.reference} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + "#outputs"
