"""Internal audit (ISO 9001/14001 9.2): the audit programme, auditors, audits with their
checklists, and graded findings each tied to a clause.

An audit moves planned → prepared → in progress → reported → closed (or cancelled); the one
table of allowed steps is `audits.services.AUDIT_TRANSITIONS`. Findings that are nonconformities
are taken further in the `improvement` app, which points back at them.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from integrum.core.models import OrganisationOwned, VersionedModel


class AuditProgramme(OrganisationOwned, VersionedModel):
    """The audits planned over a period (9.2.2), with how their frequency was decided."""

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    standards = models.ManyToManyField("standards.Standard", related_name="+")
    objectives = models.TextField(blank=True, help_text="What the programme is meant to achieve.")
    method = models.TextField(
        blank=True, help_text="How frequency follows risk and past results; what each audit covers."
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="audit_programme_number"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="audit_programme_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("audits:programme_detail", args=[self.pk])


class Auditor(OrganisationOwned, VersionedModel):
    """A member qualified to audit, and the areas they work in (which they must not audit)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    qualifications = models.TextField(blank=True, help_text="Training, certificates, experience.")
    standards = models.ManyToManyField("standards.Standard", blank=True, related_name="+")
    own_processes = models.ManyToManyField(
        "context.Process",
        blank=True,
        related_name="+",
        help_text="Processes the auditor works in: auditing them would not be independent.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="auditor_unique")]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("audits:auditor_list")


class Audit(OrganisationOwned, VersionedModel):
    """One internal audit: scope, criteria, team, dates, checklist, findings and report."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        PREPARED = "prepared", "Prepared"
        IN_PROGRESS = "in_progress", "In progress"
        REPORTED = "reported", "Reported"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    DONE_STATUSES = (Status.REPORTED, Status.CLOSED)

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    programme = models.ForeignKey(
        AuditProgramme, null=True, blank=True, on_delete=models.SET_NULL, related_name="audits"
    )
    title = models.CharField(max_length=200)
    scope = models.TextField(help_text="What is audited: activities, locations, period.")
    standards = models.ManyToManyField("standards.Standard", related_name="+")
    clauses = models.ManyToManyField("standards.Clause", blank=True, related_name="+")
    processes = models.ManyToManyField("context.Process", blank=True, related_name="+")
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="None: every site.")
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    planned_start = models.DateField()
    planned_end = models.DateField()
    started_on = models.DateField(null=True, blank=True, editable=False)
    reported_on = models.DateField(null=True, blank=True, editable=False)
    closed_on = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED, editable=False)
    summary = models.TextField(blank=True, help_text="The audit's conclusion, written for the report.")

    class Meta:
        ordering = ["-planned_start", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="audit_number_unique"),
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")), name="audit_dates"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "planned_start"], name="audit_status_start"),
            models.Index(fields=["organisation", "planned_start"], name="audit_start"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("audits:audit_detail", args=[self.pk])


class ChecklistItem(OrganisationOwned, VersionedModel):
    """A question of an audit's checklist (from a clause's audit questions, or the auditor's own)
    and its answer; evidence files are `core.Attachment`s of the item."""

    class Answer(models.TextChoices):
        UNANSWERED = "", "Not answered yet"
        CONFORMING = "conforming", "Conforming"
        NONCONFORMING = "nonconforming", "Nonconforming"
        OBSERVATION = "observation", "Observation"
        NOT_AUDITED = "not_audited", "Not audited"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveIntegerField()
    clause = models.ForeignKey(
        "standards.Clause", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField()
    is_custom = models.BooleanField(default=False, editable=False)
    answer = models.CharField(max_length=14, choices=Answer.choices, blank=True)
    notes = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["audit", "position"]
        constraints = [models.UniqueConstraint(fields=["audit", "position"], name="checklist_position")]

    def __str__(self) -> str:
        return f"{self.audit.reference} #{self.position}"

    def get_absolute_url(self) -> str:
        return reverse("audits:audit_checklist", args=[self.audit_id]) + f"#item-{self.pk}"


class Grade(models.TextChoices):
    MAJOR = "major", "Major nonconformity"
    MINOR = "minor", "Minor nonconformity"
    OBSERVATION = "observation", "Observation"
    OFI = "ofi", "Opportunity for improvement"


NONCONFORMITY_GRADES = (Grade.MAJOR, Grade.MINOR)


class GradeDefinition(OrganisationOwned, VersionedModel):
    """What a finding grade means in this organisation (defaults follow ISO/IEC 17021-1 practice)."""

    grade = models.CharField(max_length=12, choices=Grade.choices)
    definition = models.TextField()
    response = models.TextField(blank=True, help_text="What the grade requires: correction, root cause, …")

    class Meta:
        ordering = ["organisation", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "grade"], name="grade_definition_unique")
        ]

    def __str__(self) -> str:
        return self.get_grade_display()

    def get_absolute_url(self) -> str:
        return reverse("audits:grade_list")


class Finding(OrganisationOwned, VersionedModel):
    """A graded audit finding against one clause."""

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings")
    checklist_item = models.ForeignKey(
        ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    grade = models.CharField(max_length=12, choices=Grade.choices)
    clause = models.ForeignKey("standards.Clause", on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(help_text="What was found, against which requirement.")
    evidence = models.TextField(blank=True, help_text="What was seen, heard or read.")
    process = models.ForeignKey(
        "context.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    site_field: ClassVar[str | None] = "site"

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="finding_number_unique")
        ]
        indexes = [models.Index(fields=["organisation", "grade"], name="finding_grade")]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_grade_display()}"

    def get_absolute_url(self) -> str:
        return reverse("audits:finding_detail", args=[self.pk])

    @property
    def is_nonconformity(self) -> bool:
        return self.grade in NONCONFORMITY_GRADES
