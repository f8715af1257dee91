"""Greenhouse-gas inventory (GHG Protocol corporate standard; ISO 14001:2015 6.1.2 and 9.1.1).

Emission factors are public data kept as immutable, versioned `FactorDataset`s shared by every
organisation. An organisation maps its meters to factors through `EmissionSource`s, which name a
factor by the publisher's stable key (the same key in every edition), so a new edition can be
applied without remapping. An `Inventory` is one reporting year calculated with one dataset and
one GWP set; each `InventoryResult` records the factor (and so the dataset) it used. A closed
inventory is never recalculated; applying another dataset to it is a `Restatement`, an explicit
act with a reason, kept with the totals before and after.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from integrum.core.models import ChangeLoggedModel, OrganisationOwned, OrganisationQuerySet, VersionedModel


class Gas(models.TextChoices):
    CO2E = "CO2e", "CO₂e (all gases)"
    CO2 = "CO2", "CO₂"
    CH4 = "CH4", "CH₄"
    N2O = "N2O", "N₂O"
    OTHER = "other", "Other"


class GwpSet(models.TextChoices):
    """100-year global warming potentials by IPCC assessment report."""

    AR4 = "AR4", "IPCC AR4 (CH₄ 25, N₂O 298)"
    AR5 = "AR5", "IPCC AR5 without climate-carbon feedback (CH₄ 28, N₂O 265)"
    AR6 = "AR6", "IPCC AR6 (CH₄ 27.9, N₂O 273)"


class Scope(models.IntegerChoices):
    OUTSIDE = 0, "Outside of scopes"
    SCOPE_1 = 1, "Scope 1"
    SCOPE_2 = 2, "Scope 2"
    SCOPE_3 = 3, "Scope 3"


class Scope3Category(models.IntegerChoices):
    PURCHASED_GOODS = 1, "1 Purchased goods and services"
    CAPITAL_GOODS = 2, "2 Capital goods"
    FUEL_AND_ENERGY = 3, "3 Fuel- and energy-related activities"
    UPSTREAM_TRANSPORT = 4, "4 Upstream transportation and distribution"
    WASTE = 5, "5 Waste generated in operations"
    BUSINESS_TRAVEL = 6, "6 Business travel"
    COMMUTING = 7, "7 Employee commuting"
    UPSTREAM_LEASED = 8, "8 Upstream leased assets"
    DOWNSTREAM_TRANSPORT = 9, "9 Downstream transportation and distribution"
    PROCESSING = 10, "10 Processing of sold products"
    USE_OF_PRODUCTS = 11, "11 Use of sold products"
    END_OF_LIFE = 12, "12 End-of-life treatment of sold products"
    DOWNSTREAM_LEASED = 13, "13 Downstream leased assets"
    FRANCHISES = 14, "14 Franchises"
    INVESTMENTS = 15, "15 Investments"


class FactorDataset(ChangeLoggedModel):
    """One edition of a publisher's emission factors, exactly as imported. Never edited."""

    class Format(models.TextChoices):
        DESNZ_FLAT = "desnz-flat", "UK Government conversion factors, flat file"
        DESNZ_FULL = "desnz-full", "UK Government conversion factors, full set"
        EPA_HUB = "epa-hub", "US EPA GHG Emission Factors Hub"

    identifier = models.SlugField(max_length=60, unique=True, help_text="e.g. desnz-2024-v1.1")
    publisher = models.CharField(max_length=200)
    family = models.SlugField(
        max_length=30, help_text="Editions of one family share factor keys, e.g. desnz, epa-hub."
    )
    name = models.CharField(max_length=300)
    edition = models.PositiveIntegerField(help_text="The reporting year the edition is for.")
    version = models.CharField(max_length=20)
    format = models.CharField(max_length=12, choices=Format.choices)
    licence = models.CharField(max_length=200)
    attribution = models.TextField(help_text="Shown wherever the factors are used.")
    source_url = models.URLField(blank=True)
    gwp_set = models.CharField(
        "GWP set",
        max_length=4,
        choices=GwpSet.choices,
        help_text="The GWPs behind the dataset's CO₂e figures.",
    )
    # True when per-gas values are CO₂e already (DESNZ); False when they are masses of each gas (EPA).
    gases_in_co2e = models.BooleanField()
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    factor_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["family", "-edition", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "edition", "version"], name="factor_dataset_edition_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ghg:dataset_detail", args=[self.pk])


class EmissionFactor(models.Model):
    """One published factor: `value` `value_unit` of `ghg` per one `unit` of activity."""

    dataset = models.ForeignKey(FactorDataset, on_delete=models.CASCADE, related_name="factors")
    external_id = models.CharField(max_length=120, help_text="The publisher's identifier of the row.")
    key = models.CharField(
        max_length=120, help_text="The activity the factor is for; the same in every edition of a family."
    )
    scope = models.PositiveSmallIntegerField(choices=Scope.choices)
    category = models.CharField(max_length=300)
    activity = models.CharField(max_length=300)
    unit = models.CharField(max_length=60, help_text="The unit of activity, as published.")
    ghg = models.CharField(max_length=10, choices=Gas.choices)
    value = models.DecimalField(max_digits=24, decimal_places=10)
    value_unit = models.CharField(max_length=20, help_text="kg CO2e, kg, g.")

    class Meta:
        ordering = ["dataset", "key", "ghg"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "external_id"], name="emission_factor_id_unique"),
        ]
        indexes = [models.Index(fields=["dataset", "key"], name="emission_factor_key")]

    def __str__(self) -> str:
        return f"{self.activity} per {self.unit}: {self.value} {self.value_unit} {self.ghg}"


class EmissionSource(OrganisationOwned, VersionedModel):
    """What a meter's activity counts towards: a scope (and category) and the factor to apply."""

    class Scope2Basis(models.TextChoices):
        NONE = "", "Not scope 2"
        ELECTRICITY = "electricity", "Purchased electricity (location- and market-based)"
        HEAT = "heat", "Purchased heat, steam or cooling"

    meter = models.ForeignKey("measurement.Meter", on_delete=models.CASCADE, related_name="+")
    family = models.SlugField(max_length=30, help_text="The dataset family the key belongs to, e.g. desnz.")
    factor_key = models.CharField(max_length=120, help_text="The factor's key in that family.")
    scope = models.PositiveSmallIntegerField(choices=Scope.choices)
    scope3_category = models.PositiveSmallIntegerField(choices=Scope3Category.choices, null=True, blank=True)
    scope2_basis = models.CharField(max_length=12, choices=Scope2Basis.choices, blank=True)
    label = models.CharField(max_length=200, blank=True)

    # Site-limited members see the sources of their sites' meters.
    site_field: ClassVar[str] = "meter__site"

    class Meta:
        ordering = ["meter", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "family", "factor_key"], name="emission_source_unique")
        ]

    def __str__(self) -> str:
        return self.label or f"{self.meter} → {self.factor_key}"

    def get_absolute_url(self) -> str:
        return reverse("ghg:source_list")


class ContractualInstrument(OrganisationOwned, VersionedModel):
    """Evidence for market-based scope 2: a supplier's emission rate or energy attribute
    certificates (REGOs, GOs, RECs) covering an amount of electricity."""

    class Kind(models.TextChoices):
        SUPPLIER_RATE = "supplier", "Supplier-specific emission rate"
        CERTIFICATE = "certificate", "Energy attribute certificates"
        PPA = "ppa", "Power purchase agreement"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    site = models.ForeignKey(
        "core.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: all sites.",
    )
    supplier = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True, help_text="Certificate or contract number.")
    start = models.DateField()
    end = models.DateField()
    emission_rate = models.DecimalField(
        max_digits=12, decimal_places=6, help_text="kg CO₂e per kWh (0 for certificates of renewable origin)."
    )
    covered_kwh = models.DecimalField(
        max_digits=20,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="For certificates and PPAs: the kWh they cover in the period. Empty for a supplier rate.",
    )

    site_field = "site"

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="instrument_dates")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.supplier} {self.start:%Y-%m}–{self.end:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("ghg:instrument_list")


class Inventory(OrganisationOwned, VersionedModel):
    """An organisation's GHG inventory for one reporting year."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    year = models.PositiveIntegerField()
    dataset = models.ForeignKey(FactorDataset, on_delete=models.PROTECT, related_name="+")
    gwp_set = models.CharField("GWP set", max_length=4, choices=GwpSet.choices)
    residual_mix_factor = models.DecimalField(
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="kg CO₂e per kWh for electricity not covered by an instrument (market-based). "
        "Empty: the location-based grid factor is used, and the report says so.",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, editable=False)
    calculated_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    notes = models.TextField(blank=True)
    # What the last calculation could not do (unmapped sources, missing factors), for the page.
    problems = models.JSONField(default=list, blank=True, editable=False)
    # Readings of the year changed after it was closed; only a restatement takes them in.
    changed_since_close = models.BooleanField(default=False, editable=False)

    change_log_exclude = frozenset({"created_at", "updated_at", "version", "calculated_at", "problems"})

    class Meta:
        ordering = ["-year"]
        verbose_name_plural = "inventories"
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="inventory_year_unique")]

    def __str__(self) -> str:
        return f"GHG inventory {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("ghg:inventory_detail", args=[self.pk])


class InventoryResult(models.Model):
    """Emissions of one gas from one source in one month, with the factor that produced them.

    Scope 2 electricity has two rows per gas and month, one per `method`.
    """

    class Method(models.TextChoices):
        NONE = "", "—"
        LOCATION = "location", "Location-based"
        MARKET = "market", "Market-based"

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="results")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("core.Site", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(EmissionSource, null=True, on_delete=models.SET_NULL, related_name="+")
    month = models.DateField()
    scope = models.PositiveSmallIntegerField(choices=Scope.choices)
    scope3_category = models.PositiveSmallIntegerField(choices=Scope3Category.choices, null=True)
    method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    ghg = models.CharField(max_length=10, choices=Gas.choices)
    activity_quantity = models.DecimalField(max_digits=24, decimal_places=6)
    activity_unit = models.CharField(max_length=60)
    factor = models.ForeignKey(EmissionFactor, null=True, on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(
        ContractualInstrument, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dataset = models.ForeignKey(FactorDataset, on_delete=models.PROTECT, related_name="+")
    gas_kg = models.DecimalField(max_digits=24, decimal_places=6, help_text="Mass of the gas itself.")
    co2e_kg = models.DecimalField(max_digits=24, decimal_places=6)

    objects = OrganisationQuerySet.as_manager()
    site_field: ClassVar[str] = "site"

    class Meta:
        ordering = ["month", "scope"]
        indexes = [models.Index(fields=["inventory", "scope", "month"], name="inventory_result_scope_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} scope {self.scope} {self.ghg} {self.co2e_kg} kg"


class Restatement(OrganisationOwned):
    """An explicit decision to recalculate a closed inventory with another dataset or GWP set."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="restatements")
    previous_dataset = models.ForeignKey(FactorDataset, on_delete=models.PROTECT, related_name="+")
    new_dataset = models.ForeignKey(FactorDataset, on_delete=models.PROTECT, related_name="+")
    previous_gwp_set = models.CharField(max_length=4, choices=GwpSet.choices)
    new_gwp_set = models.CharField(max_length=4, choices=GwpSet.choices)
    reason = models.TextField()
    # {"scope_1": kg, "scope_2_location": kg, "scope_2_market": kg, "scope_3": kg} before and after.
    totals_before = models.JSONField()
    totals_after = models.JSONField()
    restated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Restatement of {self.inventory}: {self.previous_dataset.identifier} → {self.new_dataset.identifier}"

    def get_absolute_url(self) -> str:
        return self.inventory.get_absolute_url()
