"""Environmental data (ISO 14001:2015 9.1.1): meters, their readings and monthly totals.

A `Reading` is raw data: millions of rows of 15-minute intervals or a dozen invoices a year. It
is not change-logged row by row; each batch of readings is (`ReadingBatch`). Every reading is
apportioned by time over the calendar months it spans and added to `MonthlyTotal` in the same
transaction, so dashboards, KPIs and the GHG inventory read the totals and never the readings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from integrum.core.models import OrganisationOwned, OrganisationQuerySet, VersionedModel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from integrum.core.models import User


class Quality(models.TextChoices):
    """How a figure was obtained; reports show the share of each."""

    MEASURED = "measured", "Measured"
    ESTIMATED = "estimated", "Estimated"
    INVOICED = "invoiced", "Invoiced"


class Meter(OrganisationOwned, VersionedModel):
    """A source of activity data at a site: a utility meter, a fuel account, a waste stream."""

    class Kind(models.TextChoices):
        ELECTRICITY = "electricity", "Electricity"
        GAS = "gas", "Natural gas"
        FUEL = "fuel", "Other fuel"
        HEAT = "heat", "Heat and steam"
        WATER = "water", "Water"
        WASTE = "waste", "Waste"
        MATERIAL = "material", "Materials"

    class ReadingKind(models.TextChoices):
        CONSUMPTION = "consumption", "Amount used over a period (invoices, interval data)"
        REGISTER = "register", "Cumulative register read (the amount is the difference to the last read)"

    class DisposalRoute(models.TextChoices):
        REUSE = "reuse", "Reuse"
        RECYCLING = "recycling", "Recycling"
        RECOVERY = "recovery", "Energy recovery"
        LANDFILL = "landfill", "Landfill"
        HAZARDOUS = "hazardous", "Hazardous waste treatment"

    # Which kinds of quantity each kind of meter may be kept in.
    DIMENSIONS = {
        Kind.ELECTRICITY: ("energy",),
        Kind.GAS: ("energy", "volume"),
        Kind.FUEL: ("energy", "volume", "mass"),
        Kind.HEAT: ("energy",),
        Kind.WATER: ("volume",),
        Kind.WASTE: ("mass", "volume"),
        Kind.MATERIAL: ("mass", "volume"),
    }

    site = models.ForeignKey("core.Site", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(
        max_length=40, help_text="The identifier used in imports, e.g. the MPAN or an account number."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    unit = models.CharField(
        max_length=30, help_text="The unit readings are kept in, e.g. kWh, m³, litres, tonnes."
    )
    reading_kind = models.CharField(
        max_length=12, choices=ReadingKind.choices, default=ReadingKind.CONSUMPTION
    )
    interval_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="For interval data (e.g. 15 or 30): a row with only a timestamp covers this many minutes.",
    )
    fuel = models.CharField(max_length=100, blank=True, help_text="For fuels: which one, e.g. diesel, LPG.")
    waste_stream = models.CharField(
        max_length=100, blank=True, help_text="For waste: e.g. mixed plastics, swarf."
    )
    disposal_route = models.CharField(max_length=12, choices=DisposalRoute.choices, blank=True)
    supplier = models.CharField(max_length=200, blank=True)
    outlier_factor = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=3,
        help_text="A reading whose daily rate is this many times above or below the meter's median is flagged.",
    )
    is_active = models.BooleanField(default=True)
    # The latest register read of a register meter; the next read is measured from it.
    last_register = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True, editable=False
    )
    last_register_at = models.DateTimeField(null=True, blank=True, editable=False)

    site_field = "site"

    class Meta:
        ordering = ["site__name", "code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="meter_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("measurement:meter_detail", args=[self.pk])


class ReadingBatchQuerySet(OrganisationQuerySet):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """Members of the whole organisation see every batch; a member limited to some sites sees
        the batches they sent, because a batch may hold readings of any site's meters."""
        from integrum.core.permissions import memberships_of

        if not user.is_authenticated:
            return self.none()
        condition = Q(pk__in=[])
        for membership in memberships_of(user):
            in_org = Q(organisation_id=membership.organisation_id)
            if membership.site_ids:
                in_org &= Q(created_by=user)
            condition |= in_org
        return self.filter(condition)


class ReadingBatch(OrganisationOwned):
    """Readings entered or imported together; the unit of the change log for readings."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        IMPORT = "import", "Imported from a file"
        API = "api", "Sent through the API"

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked, ready to commit"
        INVALID = "invalid", "Has errors, nothing committed"
        COMMITTING = "committing", "Committing"
        COMMITTED = "committed", "Committed"
        FAILED = "failed", "Failed"
        REVERTED = "reverted", "Taken out again"

    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKING)
    file = models.FileField(upload_to="readings/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    commit_when_valid = models.BooleanField(
        default=False, help_text="Commit straight after a clean check instead of stopping at the dry run."
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    committed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first errors, each {row, column, message}; error_count says how many there were.
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    warning_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    meters = models.ManyToManyField(
        Meter,
        blank=True,
        related_name="batches",
        editable=False,
        help_text="The meters its readings are for.",
    )

    objects = ReadingBatchQuerySet.as_manager()  # type: ignore[misc]  # a narrower visible_to

    # Progress and the lists of problems change often and can be long: the log keeps the status,
    # the counts and the message.
    change_log_exclude = frozenset({"created_at", "updated_at", "processed_rows", "errors", "warnings"})

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Readings {self.file_name or self.get_source_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("measurement:batch_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.COMMITTING)

    @property
    def percent_done(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class Reading(models.Model):
    """An amount used (or produced, for waste) at a meter over [start, end), in the meter's unit.

    For register meters `register` keeps the index read at `end`; `quantity` is the difference
    to the previous read. Not change-logged per row: see `ReadingBatch`.
    """

    # A million-row import pays for every index and every foreign-key check on each row; the
    # database check on the meter stays, the other two do not: the organisation is the meter's
    # (kept for scoping queries) and the batch is written in the same transaction as its readings
    # by `readings.commit`, the only writer of this table. No index of their own on organisation
    # and meter: the unique (meter, start) index serves the reads.
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings", db_index=False)
    batch = models.ForeignKey(
        ReadingBatch, on_delete=models.PROTECT, related_name="readings", db_constraint=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    quantity = models.DecimalField(max_digits=20, decimal_places=6)
    register = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    quality = models.CharField(max_length=10, choices=Quality.choices, default=Quality.MEASURED)
    is_outlier = models.BooleanField(default=False)

    objects = OrganisationQuerySet.as_manager()
    # A reading has no site of its own: it is at its meter's.
    site_field: ClassVar[str] = "meter__site"

    class Meta:
        ordering = ["meter", "start"]
        constraints = [
            models.UniqueConstraint(fields=["meter", "start"], name="reading_meter_start_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="reading_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="reading_quantity_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.start:%Y-%m-%d %H:%M} {self.quantity}"


class MonthlyTotal(models.Model):
    """The sum of a meter's readings apportioned to one calendar month, kept up to date on write."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("core.Site", on_delete=models.CASCADE, related_name="+")
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="monthly_totals")
    month = models.DateField(help_text="The first day of the month.")
    quantity = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    estimated_quantity = models.DecimalField(
        max_digits=24, decimal_places=6, default=0, help_text="The part of the quantity that was estimated."
    )
    invoiced_quantity = models.DecimalField(
        max_digits=24, decimal_places=6, default=0, help_text="The part of the quantity taken from invoices."
    )
    reading_count = models.PositiveIntegerField(default=0)

    objects = OrganisationQuerySet.as_manager()
    site_field: ClassVar[str] = "site"

    class Meta:
        ordering = ["meter", "month"]
        constraints = [models.UniqueConstraint(fields=["meter", "month"], name="monthly_total_unique")]
        indexes = [models.Index(fields=["organisation", "month"], name="monthly_total_org_month")]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.month:%Y-%m} {self.quantity}"


class SiteFigure(OrganisationOwned, VersionedModel):
    """A normalising figure for intensity ratios: output, floor area or head count of a site
    (or of the whole organisation when no site is given) for one month."""

    class Kind(models.TextChoices):
        OUTPUT = "output", "Output"
        FLOOR_AREA = "floor_area", "Floor area (m²)"
        EMPLOYEES = "employees", "Employees (FTE)"

    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    month = models.DateField(help_text="The first day of the month.")
    value = models.DecimalField(max_digits=20, decimal_places=4)
    unit = models.CharField(
        max_length=40, blank=True, help_text="For output: e.g. tonnes of castings, units."
    )

    site_field = "site"

    class Meta:
        ordering = ["-month", "kind"]
        constraints = [
            # Two constraints because NULLs are distinct in a unique index: one figure per site,
            # and one for the whole organisation.
            models.UniqueConstraint(
                fields=["organisation", "site", "kind", "month"],
                condition=Q(site__isnull=False),
                name="site_figure_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "month"],
                condition=Q(site__isnull=True),
                name="site_figure_unique_organisation",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="site_figure_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m}: {self.value} {self.unit}".strip()

    def get_absolute_url(self) -> str:
        return reverse("measurement:figure_list")
