"""Environmental aspects and impacts (ISO 14001:2015 6.1.2), compliance obligations (6.1.3) and
the evaluation of compliance (9.1.2).

Significance is decided by a `SignificanceMethod`: the organisation's established criteria. A
method is never edited in place: a change creates its next version, and every `AspectAssessment`
keeps the version it was scored with, so that a re-scoring stays auditable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from integrum.core.models import OrganisationOwned, OrganisationQuerySet, VersionedModel

# --- Significance methods --------------------------------------------------------------------


class SignificanceMethod(OrganisationOwned):
    """One version of an organisation's criteria for significant aspects (ISO 14001 6.1.2).

    `criteria` is a list of `{key, label, scale_min, scale_max, weight}` (weight optional, 1 when
    left out). Versions are immutable: `significance_method_revise` writes the next one and marks
    the previous one superseded.
    """

    class Aggregation(models.TextChoices):
        SUM = "sum", "Sum of the weighted scores"
        PRODUCT = "product", "Product of the weighted scores"
        MAX = "max", "Highest weighted score"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_current = models.BooleanField(default=True, editable=False)
    criteria = models.JSONField(default=list)
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.SUM)
    threshold = models.DecimalField(
        max_digits=24, decimal_places=4, help_text="An aspect scoring at least this much is significant."
    )
    obligation_override = models.BooleanField(
        default=True,
        verbose_name="A compliance obligation applies → significant",
        help_text="An aspect linked to an active compliance obligation is significant whatever its score.",
    )
    emergency_criterion = models.CharField(
        max_length=40,
        blank=True,
        verbose_name="Emergency rule: criterion",
        help_text="Key of the criterion read by the emergency rule (usually severity); empty: no rule.",
    )
    emergency_min = models.IntegerField(
        null=True,
        blank=True,
        verbose_name="Emergency rule: at least",
        help_text="An aspect under emergency conditions scoring at least this on that criterion is significant.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "revision"], name="significance_method_revision"),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(is_current=True),
                name="significance_method_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.revision})"

    def get_absolute_url(self) -> str:
        return reverse("environment:method_detail", args=[self.pk])

    @property
    def criterion_keys(self) -> list[str]:
        return [criterion["key"] for criterion in self.criteria]


# --- Compliance obligations ------------------------------------------------------------------


class ComplianceObligation(OrganisationOwned, VersionedModel):
    """A legal requirement or other requirement the organisation must or chooses to comply with
    (ISO 14001:2015 6.1.3)."""

    class Kind(models.TextChoices):
        LEGAL = "legal", "Legal requirement"
        OTHER = "other", "Other requirement"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    source_reference = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where it comes from, e.g. an act and its section, a permit number.",
    )
    jurisdiction = models.CharField(max_length=120, blank=True, help_text="e.g. England, EU, Bavaria.")
    issuer = models.CharField(
        max_length=200, blank=True, help_text="Who issued it: a regulator, a customer, …"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEGAL)
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="Empty: all sites.")
    activities = models.TextField(blank=True, help_text="The activities it applies to.")
    summary = models.TextField(blank=True, help_text="What it requires of us, in our own words.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluation_frequency_months = models.PositiveSmallIntegerField(
        default=12, help_text="How often compliance with it is evaluated, in months (1–120)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, editable=False)
    origin = models.ForeignKey(
        "context.PartyRequirement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The interested party's requirement it was adopted from.",
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="obligation_number_unique"),
            models.UniqueConstraint(
                fields=["origin"], condition=models.Q(origin__isnull=False), name="obligation_origin_unique"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="obligation_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("environment:obligation_detail", args=[self.pk])


# --- Aspects ---------------------------------------------------------------------------------


class Aspect(OrganisationOwned, VersionedModel):
    """An environmental aspect of an activity, product or service, and its impact (ISO 14001:2015
    6.1.2), with its current significance."""

    class ImpactType(models.TextChoices):
        ADVERSE = "adverse", "Adverse"
        BENEFICIAL = "beneficial", "Beneficial"

    class Condition(models.TextChoices):
        NORMAL = "normal", "Normal"
        ABNORMAL = "abnormal", "Abnormal (start-up, shutdown, maintenance)"
        EMERGENCY = "emergency", "Emergency"

    class LifeCycleStage(models.TextChoices):
        RAW_MATERIAL = "raw_material", "Raw material acquisition"
        DESIGN = "design", "Design"
        PRODUCTION = "production", "Production"
        TRANSPORT = "transport", "Transport / delivery"
        USE = "use", "Use"
        END_OF_LIFE = "end_of_life", "End-of-life treatment"
        DISPOSAL = "disposal", "Final disposal"

    class Control(models.TextChoices):
        CONTROL = "control", "Can control"
        INFLUENCE = "influence", "Can influence"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    activity = models.CharField(max_length=200, verbose_name="Activity, product or service")
    aspect = models.CharField(max_length=200, help_text="The element that interacts with the environment.")
    impact = models.CharField(max_length=300, help_text="The change to the environment that results.")
    impact_type = models.CharField(max_length=12, choices=ImpactType.choices, default=ImpactType.ADVERSE)
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.NORMAL)
    lifecycle_stage = models.CharField(
        max_length=20,
        choices=LifeCycleStage.choices,
        default=LifeCycleStage.PRODUCTION,
        verbose_name="Life-cycle stage",
    )
    control = models.CharField(
        max_length=10, choices=Control.choices, default=Control.CONTROL, verbose_name="Control or influence"
    )
    existing_controls = models.TextField(blank=True)
    obligations = models.ManyToManyField(
        ComplianceObligation, blank=True, related_name="aspects", verbose_name="Compliance obligations"
    )
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="Empty: all sites.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The outcome of the latest assessment (kept on the aspect so lists filter on indexed columns).
    score = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True, editable=False)
    significant = models.BooleanField(default=False, editable=False)
    assessed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="aspect_number_unique")
        ]
        indexes = [models.Index(fields=["organisation", "significant", "number"], name="aspect_significant")]

    def __str__(self) -> str:
        return f"{self.reference} {self.aspect}"

    def get_absolute_url(self) -> str:
        return reverse("environment:aspect_detail", args=[self.pk])

    @property
    def title(self) -> str:
        return f"{self.activity}: {self.aspect}"


class AspectAssessment(OrganisationOwned):
    """One scoring of an aspect with one method version; never changed, re-scoring adds another."""

    class Rule(models.TextChoices):
        NONE = "", "None"
        OBLIGATION = "obligation", "A compliance obligation applies"
        EMERGENCY = "emergency", "Emergency condition of high severity"

    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="assessments")
    method = models.ForeignKey(SignificanceMethod, on_delete=models.PROTECT, related_name="assessments")
    scores = models.JSONField(default=dict)
    total = models.DecimalField(max_digits=24, decimal_places=4)
    above_threshold = models.BooleanField()
    overridden_by_rule = models.CharField(max_length=12, choices=Rule.choices, blank=True, default="")
    manual_significant = models.BooleanField(null=True, blank=True)
    manual_reason = models.TextField(blank=True)
    significant = models.BooleanField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_at", "-pk"]

    def __str__(self) -> str:
        return f"Assessment of {self.aspect_id} on {self.assessed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("environment:aspect_detail", args=[self.aspect_id])


# --- Evaluation of compliance ----------------------------------------------------------------


class EvaluationQuerySet(OrganisationQuerySet):
    def scheduled(self) -> EvaluationQuerySet:
        return self.filter(
            status=ComplianceEvaluation.Status.SCHEDULED,
            obligation__status=ComplianceObligation.Status.ACTIVE,
        )

    def overdue(self) -> EvaluationQuerySet:
        return self.scheduled().filter(due_date__lt=timezone.localdate())


class ComplianceEvaluation(OrganisationOwned, VersionedModel):
    """A scheduled or completed evaluation of compliance with one obligation (ISO 14001:2015 9.1.2)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"

    class Result(models.TextChoices):
        COMPLIANT = "compliant", "Compliant"
        PARTLY = "partly", "Partly compliant"
        NOT_COMPLIANT = "not_compliant", "Not compliant"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    FAILED_RESULTS = (Result.PARTLY, Result.NOT_COMPLIANT)

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    obligation = models.ForeignKey(ComplianceObligation, on_delete=models.CASCADE, related_name="evaluations")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED, editable=False)
    result = models.CharField(max_length=20, choices=Result.choices, blank=True, editable=False)
    evidence = models.TextField(blank=True, editable=False)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluated_on = models.DateField(null=True, blank=True, editable=False)
    next_due_date = models.DateField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)

    objects = EvaluationQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-due_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="evaluation_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"], name="evaluation_status_due"),
            # The list's default order (latest due first) reads this index and stops after a page.
            models.Index(fields=["organisation", "due_date", "number"], name="evaluation_due"),
            models.Index(fields=["evaluator", "status", "due_date"], name="evaluation_evaluator_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("environment:evaluation_detail", args=[self.pk])

    @property
    def title(self) -> str:
        return f"Evaluation of compliance: {self.obligation.reference}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.SCHEDULED and self.due_date < timezone.localdate()

    @property
    def result_css(self) -> str:
        css: dict[str, str] = {
            self.Result.COMPLIANT: "badge--done",
            self.Result.PARTLY: "badge--partly",
            self.Result.NOT_COMPLIANT: "badge--danger",
        }
        return css.get(self.result, "badge--muted")

    @property
    def failed(self) -> bool:
        return self.result in self.FAILED_RESULTS
