"""Objectives (ISO 9001 and ISO 14001 6.2) and key performance indicators (9.1.1).

A KPI's values are entered by hand, imported, or computed from the monthly meter totals and
the GHG inventory; each value says whether it was measured, estimated or invoiced. An
objective's progress and status come from its KPI, never typed in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from integrum.core.models import OrganisationOwned, VersionedModel
from integrum.measurement.models import Quality


class Kpi(OrganisationOwned, VersionedModel):
    class Direction(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    class Normalisation(models.TextChoices):
        NONE = "", "None (absolute)"
        OUTPUT = "output", "Per unit of output"
        FLOOR_AREA = "floor_area", "Per m² of floor area"
        EMPLOYEES = "employees", "Per employee (FTE)"

    class RollUp(models.TextChoices):
        SUM = "sum", "Sum of the sites"
        AVERAGE = "average", "Average of the sites"

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered or imported"
        METERS = "meters", "Computed from meters"
        EMISSIONS = "emissions", "Computed from the GHG inventory"

    class EmissionsBasis(models.TextChoices):
        ALL = "all", "Scopes 1, 2 (location-based) and 3"
        SCOPE_1_2 = "scope12", "Scopes 1 and 2 (location-based)"
        SCOPE_1_2_MARKET = "scope12m", "Scopes 1 and 2 (market-based)"
        SCOPE_1 = "scope1", "Scope 1"
        SCOPE_2_LOCATION = "scope2l", "Scope 2 (location-based)"
        SCOPE_2_MARKET = "scope2m", "Scope 2 (market-based)"
        SCOPE_3 = "scope3", "Scope 3"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    standards = models.ManyToManyField("standards.Standard", related_name="+")
    unit = models.CharField(max_length=40, help_text="e.g. kWh, t CO₂e, %, complaints.")
    direction = models.CharField(max_length=6, choices=Direction.choices)
    target = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    warning_threshold = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="A value on the wrong side of this is shown red; between it and the target, amber.",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    normalisation = models.CharField(max_length=12, choices=Normalisation.choices, blank=True)
    roll_up = models.CharField(max_length=8, choices=RollUp.choices, default=RollUp.SUM)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    meter_kind = models.CharField(
        max_length=12, blank=True, help_text="For KPIs computed from meters: which kind of meter is summed."
    )
    emissions_basis = models.CharField(max_length=10, choices=EmissionsBasis.choices, blank=True)
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="Empty: all sites.")
    baseline_year = models.PositiveIntegerField(null=True, blank=True)
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "KPI"
        verbose_name_plural = "KPIs"
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="kpi_number_unique")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("performance:kpi_detail", args=[self.pk])


class KpiValue(OrganisationOwned, VersionedModel):
    """A value of a manual KPI for one period (the period's first day) and site (empty: all)."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        IMPORT = "import", "Imported"

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(help_text="The first day of the month, quarter or year.")
    value = models.DecimalField(max_digits=20, decimal_places=4)
    quality = models.CharField(max_length=10, choices=Quality.choices, default=Quality.MEASURED)
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.MANUAL, editable=False)
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    site_field = "site"

    class Meta:
        ordering = ["kpi", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "site", "period"],
                condition=models.Q(site__isnull=False),
                name="kpi_value_site_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period"], condition=models.Q(site__isnull=True), name="kpi_value_whole_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.reference} {self.period:%Y-%m}: {self.value}"

    def get_absolute_url(self) -> str:
        return self.kpi.get_absolute_url()


class Objective(OrganisationOwned, VersionedModel):
    class Status(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        ACHIEVED = "achieved", "Achieved"
        MISSED = "missed", "Missed"
        NO_DATA = "no_data", "No data yet"
        CANCELLED = "cancelled", "Cancelled"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="What we want to achieve and why.")
    standards = models.ManyToManyField("standards.Standard", related_name="+")
    kpi = models.ForeignKey(
        Kpi,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
        help_text="The indicator that measures progress.",
    )
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_date = models.DateField(null=True, blank=True)
    target_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    start_date = models.DateField()
    due_date = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resources = models.TextField(blank=True, help_text="What will be needed (ISO 6.2.2).")
    evaluation = models.TextField(blank=True, help_text="How results will be evaluated.")
    risks = models.ManyToManyField("risks.Risk", blank=True, related_name="+")
    aspects = models.ManyToManyField("environment.Aspect", blank=True, related_name="+")
    obligations = models.ManyToManyField("environment.ComplianceObligation", blank=True, related_name="+")
    is_cancelled = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="objective_number_unique"),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")), name="objective_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("performance:objective_detail", args=[self.pk])
