"""The one action tracker: every corrective action, gap closure or improvement, whatever raised it."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from integrum.core.models import OrganisationOwned, OrganisationQuerySet, VersionedModel


class ActionQuerySet(OrganisationQuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(status__in=Action.OPEN_STATUSES)

    def overdue(self) -> ActionQuerySet:
        return self.open().filter(due_date__lt=timezone.localdate())

    def raised_by(self, source: models.Model) -> ActionQuerySet:
        return self.filter(source_type=ContentType.objects.get_for_model(source), source_id=str(source.pk))


class Action(OrganisationOwned, VersionedModel):
    """Something a person must do by a date (ISO 9001/14001 6.1, 6.2, 10.2, 10.3)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, editable=False)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome = models.TextField(blank=True, help_text="What was done, recorded on completion.")
    # The record that raised the action: a gap, a finding, a risk, a review decision, …
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    source_id = models.CharField(max_length=64, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = ActionQuerySet.as_manager()  # type: ignore[misc]
    site_field: ClassVar[str | None] = "site"

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="action_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"], name="action_status_due"),
            # Lists sorted by due date read this index in order and stop after one page.
            models.Index(fields=["organisation", "due_date"], name="action_due"),
            models.Index(fields=["owner", "status", "due_date"], name="action_owner_status"),
            models.Index(fields=["source_type", "source_id"], name="action_source"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("actions:action_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def days_overdue(self) -> int:
        """Whole days past the due date of an open action (0 when not overdue)."""
        if not self.is_open or self.due_date is None:
            return 0
        return max((timezone.localdate() - self.due_date).days, 0)
