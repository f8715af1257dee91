"""Risks and opportunities (ISO 9001:2015 6.1 and ISO 14001:2015 6.1.1, 6.1.4): one register for
both standards, scored on the organisation's versioned likelihood × consequence matrix."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from integrum.core.models import OrganisationOwned, OrganisationQuerySet, VersionedModel
from integrum.risks import scoring


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


LEVEL_CSS = {
    Level.LOW: "badge--done",
    Level.MEDIUM: "badge--due",
    Level.HIGH: "badge--partly",
    Level.CRITICAL: "badge--danger",
}


class RiskMatrix(OrganisationOwned):
    """One version of an organisation's risk matrix (ISO 9001/14001 6.1: the criteria risks are
    evaluated against). Versions are never edited: a change adds the next version, and each risk
    keeps the version it was scored on."""

    number = models.PositiveIntegerField("version", editable=False)
    is_current = models.BooleanField(default=True, editable=False)
    size = models.PositiveSmallIntegerField(
        default=scoring.DEFAULT_SIZE, help_text="N for an N×N grid, 3 to 5."
    )
    likelihood_labels = models.JSONField(default=list)
    consequence_labels = models.JSONField(default=list)
    bands = models.JSONField(default=list, help_text="Ordered score bands: up_to, label, level.")
    note = models.CharField(max_length=300, blank=True, help_text="Why the matrix changed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = "risk matrix"
        verbose_name_plural = "risk matrices"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="riskmatrix_number_unique"),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_current=True), name="riskmatrix_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"Risk matrix v{self.number} ({self.size}×{self.size})"

    def get_absolute_url(self) -> str:
        return reverse("risks:matrix")

    def band_list(self) -> list[scoring.Band]:
        return scoring.bands_of(self)

    def band_for(self, value: int) -> scoring.Band | None:
        for band in self.band_list():
            if band.covers(value):
                return band
        return None

    def likelihood_label(self, value: int | None) -> str:
        return self._label(self.likelihood_labels, value)

    def consequence_label(self, value: int | None) -> str:
        return self._label(self.consequence_labels, value)

    @staticmethod
    def _label(labels: list[str], value: int | None) -> str:
        if value is None or not 1 <= value <= len(labels):
            return ""
        return str(labels[value - 1])

    def likelihood_choices(self) -> list[tuple[int, str]]:
        return [(i, f"{i} — {label}") for i, label in enumerate(self.likelihood_labels, start=1)]

    def consequence_choices(self) -> list[tuple[int, str]]:
        return [(i, f"{i} — {label}") for i, label in enumerate(self.consequence_labels, start=1)]


class RiskQuerySet(OrganisationQuerySet):
    def active(self) -> RiskQuerySet:
        return self.exclude(status=Risk.Status.CLOSED)

    def review_due(self) -> RiskQuerySet:
        return self.active().filter(review_date__lte=timezone.localdate())

    def raised_from(self, source: models.Model) -> RiskQuerySet:
        return self.filter(source_type=ContentType.objects.get_for_model(source), source_id=str(source.pk))


class Risk(OrganisationOwned, VersionedModel):
    """A risk or an opportunity of the management system (ISO 9001 6.1, ISO 14001 6.1.1 and 6.1.4)."""

    class Kind(models.TextChoices):
        RISK = "risk", "Risk"
        OPPORTUNITY = "opportunity", "Opportunity"

    class Treatment(models.TextChoices):
        AVOID = "avoid", "Avoid"
        MITIGATE = "mitigate", "Mitigate"
        TRANSFER = "transfer", "Transfer"
        ACCEPT = "accept", "Accept"
        PURSUE = "pursue", "Pursue"
        DEFER = "defer", "Defer"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TREATED = "treated", "Treated"
        CLOSED = "closed", "Closed"

    TREATMENTS_BY_KIND: ClassVar[dict[str, tuple[str, ...]]] = {
        Kind.RISK: (Treatment.AVOID, Treatment.MITIGATE, Treatment.TRANSFER, Treatment.ACCEPT),
        Kind.OPPORTUNITY: (Treatment.PURSUE, Treatment.DEFER),
    }

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.RISK)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    standards = models.ManyToManyField(
        "standards.Standard", related_name="+", help_text="The standards it concerns."
    )
    # Where it comes from: a context issue, an interested party, a process, an aspect, an obligation.
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    source_id = models.CharField(max_length=64, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")
    cause = models.TextField(blank=True)
    effect = models.TextField(blank=True)
    matrix = models.ForeignKey(
        RiskMatrix,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The matrix version scored on.",
    )
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_consequence = models.PositiveSmallIntegerField()
    inherent_score = models.PositiveSmallIntegerField(editable=False)
    inherent_level = models.CharField("inherent band", max_length=10, choices=Level.choices, editable=False)
    existing_controls = models.TextField(blank=True)
    treatment = models.CharField(max_length=10, choices=Treatment.choices, blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_consequence = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    residual_level = models.CharField(
        "residual band", max_length=10, choices=Level.choices, blank=True, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = RiskQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="risk_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "review_date"], name="risk_status_review"),
            models.Index(
                fields=["organisation", "inherent_likelihood", "inherent_consequence"],
                name="risk_inherent_cell",
            ),
            models.Index(
                fields=["organisation", "residual_likelihood", "residual_consequence"],
                name="risk_residual_cell",
            ),
            models.Index(fields=["organisation", "inherent_score"], name="risk_inherent_score"),
            models.Index(fields=["owner", "status", "review_date"], name="risk_owner_review"),
            models.Index(fields=["source_type", "source_id"], name="risk_source"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("risks:risk_detail", args=[self.pk])

    @property
    def inherent_band(self) -> scoring.Band | None:
        return self.matrix.band_for(self.inherent_score) if self.inherent_score else None

    @property
    def residual_band(self) -> scoring.Band | None:
        return self.matrix.band_for(self.residual_score) if self.residual_score else None

    @property
    def inherent_css(self) -> str:
        return LEVEL_CSS.get(Level(self.inherent_level), "") if self.inherent_level else "badge--muted"

    @property
    def residual_css(self) -> str:
        return LEVEL_CSS.get(Level(self.residual_level), "") if self.residual_level else "badge--muted"

    def _cell_text(self, likelihood: int | None, consequence: int | None) -> str:
        if likelihood is None or consequence is None:
            return ""
        return (
            f"likelihood {likelihood} ({self.matrix.likelihood_label(likelihood)}) × "
            f"consequence {consequence} ({self.matrix.consequence_label(consequence)})"
        )

    @property
    def inherent_text(self) -> str:
        return self._cell_text(self.inherent_likelihood, self.inherent_consequence)

    @property
    def residual_text(self) -> str:
        return self._cell_text(self.residual_likelihood, self.residual_consequence)

    @property
    def is_review_due(self) -> bool:
        return (
            self.status != self.Status.CLOSED
            and self.review_date is not None
            and self.review_date <= timezone.localdate()
        )

    def allowed_treatments(self) -> tuple[str, ...]:
        return self.TREATMENTS_BY_KIND[self.kind]

    def source_key(self) -> str:
        if self.source_type_id is None:
            return ""
        content_type: Any = ContentType.objects.get_for_id(self.source_type_id)
        return f"{content_type.app_label}.{content_type.model}:{self.source_id}"
