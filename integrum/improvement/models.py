"""Nonconformity and corrective action (ISO 9001/14001 10.2).

A nonconformity is raised from an audit finding, a complaint, a failed compliance evaluation, a
process or a supplier, or reported in a few words by anyone and triaged later. Its life:

    reported ─triage→ open ─analyse→ action ─actions done→ verification ─effective→ closed
        └─reject→ rejected          ↑                          │
                                    └──────── not effective ───┘

A manager may also close it with a signed justification at any open stage, and reopen a closed
one. The one table of allowed steps is `improvement.services.TRANSITIONS`; every step is in the
change log, which is the status history.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from integrum.core.models import OrganisationOwned, VersionedModel


class Cause(models.TextChoices):
    """The 6M categories of a fishbone diagram, also used to trend root causes."""

    PEOPLE = "people", "People"
    MACHINE = "machine", "Machine"
    METHOD = "method", "Method"
    MATERIAL = "material", "Material"
    MEASUREMENT = "measurement", "Measurement"
    ENVIRONMENT = "environment", "Environment"


class Nonconformity(OrganisationOwned, VersionedModel):
    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        OPEN = "open", "Open"
        ACTION = "action", "Corrective action"
        VERIFICATION = "verification", "Effectiveness check"
        CLOSED = "closed", "Closed"
        REJECTED = "rejected", "Rejected"

    class Source(models.TextChoices):
        FINDING = "finding", "Audit finding"
        COMPLAINT = "complaint", "Complaint"
        COMPLIANCE = "compliance", "Compliance evaluation"
        PROCESS = "process", "Process"
        SUPPLIER = "supplier", "Supplier"
        REPORT = "report", "Reported by staff"

    class Severity(models.TextChoices):
        MINOR = "minor", "Minor"
        MAJOR = "major", "Major"
        CRITICAL = "critical", "Critical"

    class Similar(models.TextChoices):
        UNKNOWN = "", "Not assessed yet"
        NONE = "none", "No similar nonconformity exists or could occur"
        EXISTS = "exists", "Similar nonconformities exist"
        COULD_OCCUR = "could_occur", "Similar nonconformities could occur"

    class Effectiveness(models.TextChoices):
        PENDING = "", "Not checked yet"
        EFFECTIVE = "effective", "Effective"
        NOT_EFFECTIVE = "not_effective", "Not effective"

    OPEN_STATUSES = (Status.REPORTED, Status.OPEN, Status.ACTION, Status.VERIFICATION)

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, editable=False)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.REPORT)
    finding = models.ForeignKey(
        "audits.Finding", null=True, blank=True, on_delete=models.PROTECT, related_name="nonconformities"
    )
    evaluation = models.ForeignKey(
        "environment.ComplianceEvaluation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    process = models.ForeignKey(
        "context.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_detail = models.CharField(
        max_length=200, blank=True, help_text="The complaint's reference, the supplier's name, …"
    )
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    detected_on = models.DateField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    containment = models.TextField(blank=True, help_text="What was done at once to control the effects.")
    correction = models.TextField(blank=True, help_text="What was done to correct the nonconformity itself.")
    root_cause = models.TextField(blank=True, help_text="The conclusion of the analysis.")
    cause_category = models.CharField(max_length=12, choices=Cause.choices, blank=True)
    similar = models.CharField(max_length=12, choices=Similar.choices, blank=True)
    similar_note = models.TextField(blank=True)
    risks = models.ManyToManyField(
        "risks.Risk", blank=True, related_name="+", help_text="Risks and opportunities to re-assess."
    )
    effectiveness_due = models.DateField(null=True, blank=True, editable=False)
    effectiveness = models.CharField(max_length=14, choices=Effectiveness.choices, blank=True, editable=False)
    effectiveness_note = models.TextField(blank=True, editable=False)
    effectiveness_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    effectiveness_checked_on = models.DateField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    closure_justification = models.TextField(
        blank=True,
        editable=False,
        help_text="Why a manager rejected the report, or closed it by signature without verified effectiveness.",
    )
    times_reopened = models.PositiveIntegerField(default=0, editable=False)
    reopened_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it last went back to corrective action: new actions are needed after this.",
    )

    site_field: ClassVar[str | None] = "site"

    class Meta:
        ordering = ["-number"]
        verbose_name_plural = "nonconformities"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="nonconformity_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "detected_on"], name="nc_status_detected"),
            models.Index(fields=["organisation", "detected_on"], name="nc_detected"),
            models.Index(fields=["owner", "status"], name="nc_owner_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:nc_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CauseEntry(OrganisationOwned):
    """One line of a structured root-cause analysis: a 'why' of the five whys, or a cause on one
    bone of the fishbone."""

    class Method(models.TextChoices):
        FIVE_WHYS = "five_whys", "5 whys"
        FISHBONE = "fishbone", "Fishbone (6M)"

    nonconformity = models.ForeignKey(Nonconformity, on_delete=models.CASCADE, related_name="causes")
    method = models.CharField(max_length=10, choices=Method.choices)
    position = models.PositiveSmallIntegerField(help_text="The order of the whys; the order on a bone.")
    category = models.CharField(max_length=12, choices=Cause.choices, blank=True)
    text = models.TextField()
    is_root = models.BooleanField(default=False, help_text="Marked as a root cause.")

    class Meta:
        ordering = ["nonconformity", "method", "category", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method="five_whys") | ~models.Q(category=""), name="fishbone_has_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nonconformity.reference} {self.get_method_display()} {self.position}"

    def get_absolute_url(self) -> str:
        return self.nonconformity.get_absolute_url()
