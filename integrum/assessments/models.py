"""Gap analysis: a self-assessment of readiness against one or both standards, clause by clause."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from integrum.core.models import OrganisationOwned, VersionedModel


class Assessment(OrganisationOwned, VersionedModel):
    """A gap analysis against one or more standard editions.

    In integrated mode a clause that two standards share (an `equivalent` correspondence) is one
    item that counts for both.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    standards = models.ManyToManyField("standards.Standard", related_name="+")
    integrated = models.BooleanField(
        default=True, help_text="Assess shared Harmonized Structure clauses once for both standards."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assessments:assessment_detail", args=[self.pk])


class AssessmentItem(OrganisationOwned, VersionedModel):
    """The assessment of one clause, or of a pair of equivalent clauses in integrated mode."""

    class Status(models.TextChoices):
        NOT_ASSESSED = "not_assessed", "Not assessed"
        NOT_MET = "not_met", "Not met"
        PARTLY_MET = "partly_met", "Partly met"
        MET = "met", "Met"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    # How much each status counts towards readiness; not applicable items are left out.
    SCORES = {
        Status.NOT_ASSESSED: 0.0,
        Status.NOT_MET: 0.0,
        Status.PARTLY_MET: 0.5,
        Status.MET: 1.0,
    }
    OPEN_STATUSES = (Status.NOT_ASSESSED, Status.NOT_MET, Status.PARTLY_MET)

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    clauses = models.ManyToManyField("standards.Clause", related_name="+")
    clause = models.ForeignKey(
        "standards.Clause", on_delete=models.PROTECT, related_name="+", help_text="The clause shown first."
    )
    group = models.CharField(max_length=4, help_text="Harmonized Structure clause 4–10.")
    sort_key = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED)
    notes = models.TextField(blank=True)
    justification = models.TextField(blank=True, help_text="Why the requirement does not apply.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_date = models.DateField(null=True, blank=True)

    change_log_exclude = OrganisationOwned.change_log_exclude | {"sort_key", "group"}

    class Meta:
        ordering = ["assessment", "sort_key"]
        indexes = [
            models.Index(fields=["assessment", "sort_key"], name="assessmentitem_order"),
            models.Index(fields=["owner", "status"], name="assessmentitem_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.clause.number} {self.clause.title}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:item_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.target_date is not None and self.target_date < timezone.localdate()

    @property
    def ordered_clauses(self) -> list[Any]:
        """The item's clauses, ISO 9001 before ISO 14001 (uses prefetched clauses and standards)."""
        return sorted(self.clauses.all(), key=lambda clause: clause.standard.display_order)


class EvidenceLink(OrganisationOwned):
    """A link from an assessment item to a record that evidences it (an action, later a document, …)."""

    item = models.ForeignKey(AssessmentItem, on_delete=models.CASCADE, related_name="evidence_links")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    label = models.CharField(max_length=300, help_text="What the record was called when linked.")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "target_type", "target_id"], name="evidencelink_unique"),
        ]

    def __str__(self) -> str:
        return self.label
