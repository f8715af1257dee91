"""Context of the organisation and leadership roles (ISO 9001 and ISO 14001 clauses 4.1–4.4, 5.3).

- `ContextIssue`: internal and external issues (4.1), incl. environmental conditions (ISO 14001)
  and climate change (Amd 1:2024); `ClimateDetermination`: whether climate change is relevant.
- `InterestedParty` and `PartyRequirement`: parties, their needs and expectations (4.2).
- `Scope` and `ScopeExclusion`: the scope per standard, with justified non-applicability (4.3).
- `Process` and `ProcessInteraction`: the process register and how processes feed each other (4.4).
- `OrganisationalRole`: roles, responsibilities and authorities, and who holds them (5.3).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from integrum.core.models import OrganisationOwned, VersionedModel


class Origin(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


PESTLE = [
    ("political", "Political"),
    ("economic", "Economic"),
    ("social", "Social"),
    ("technological", "Technological"),
    ("legal", "Legal"),
    ("environmental", "Environmental"),
]
SWOT = [
    ("strength", "Strength"),
    ("weakness", "Weakness"),
    ("opportunity", "Opportunity"),
    ("threat", "Threat"),
]
# One choice field for both families, grouped (and labelled) by family in forms.
CATEGORY_CHOICES = [("PESTLE", PESTLE), ("SWOT", SWOT)]
CATEGORY_VALUES = {value for value, _ in PESTLE + SWOT}
CATEGORY_FAMILY = {**{v: "PESTLE" for v, _ in PESTLE}, **{v: "SWOT" for v, _ in SWOT}}


class ContextIssue(OrganisationOwned, VersionedModel):
    """An internal or external issue relevant to the organisation's purpose (clause 4.1 of both standards).

    ISO 14001 4.1 adds environmental conditions affecting or affected by the organisation; Amd 1:2024
    asks whether climate change is a relevant issue (`climate_related`, and `ClimateDetermination`).
    """

    class Effect(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"
        MIXED = "mixed", "Mixed"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    origin = models.CharField("internal or external", max_length=10, choices=Origin.choices)
    category = models.CharField(max_length=20, choices=CATEGORY_CHOICES)
    standards = models.ManyToManyField(
        "standards.Standard",
        blank=True,
        related_name="+",
        help_text="The standards the issue concerns; none: both.",
    )
    effect = models.CharField(max_length=10, choices=Effect.choices, default=Effect.NEGATIVE)
    environmental_condition = models.BooleanField(
        default=False,
        help_text="An environmental condition affecting or affected by the organisation (ISO 14001 4.1).",
    )
    climate_related = models.BooleanField(default=False, help_text="Related to climate change (Amd 1:2024).")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="contextissue_number")]
        indexes = [
            models.Index(fields=["organisation", "status", "review_date"], name="contextissue_status"),
            models.Index(fields=["organisation", "category"], name="contextissue_category"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("context:issue_detail", args=[self.pk])

    @property
    def family(self) -> str:
        return CATEGORY_FAMILY.get(self.category, "")


class ClimateDetermination(OrganisationOwned, VersionedModel):
    """Whether climate change is a relevant issue (ISO 9001 and ISO 14001 4.1, Amd 1:2024).

    One row per organisation; each change is kept in the change log, so earlier determinations
    remain readable as its history.
    """

    relevant = models.BooleanField("climate change is relevant")
    rationale = models.TextField(help_text="Why climate change is, or is not, a relevant issue.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField()

    class Meta:
        ordering = ["organisation"]
        constraints = [models.UniqueConstraint(fields=["organisation"], name="climatedetermination_one")]

    def __str__(self) -> str:
        return (
            f"Climate change {'relevant' if self.relevant else 'not relevant'} ({self.decided_on:%Y-%m-%d})"
        )

    def get_absolute_url(self) -> str:
        return reverse("context:issue_list") + "#climate"


class InterestedParty(OrganisationOwned, VersionedModel):
    """A party that affects, is affected by or perceives itself affected by the organisation (4.2)."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        REGULATOR = "regulator", "Regulator or authority"
        NEIGHBOUR = "neighbour", "Neighbour or community"
        EMPLOYEE = "employee", "Employees"
        SUPPLIER = "supplier", "Supplier or partner"
        OWNER = "owner", "Owner or shareholder"
        INSURER = "insurer", "Insurer or bank"
        NGO = "ngo", "NGO or pressure group"
        OTHER = "other", "Other"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    name = models.CharField(max_length=200)
    origin = models.CharField("internal or external", max_length=10, choices=Origin.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    climate_related = models.BooleanField(
        default=False, help_text="Has requirements related to climate change (Amd 1:2024)."
    )
    standards = models.ManyToManyField(
        "standards.Standard", blank=True, related_name="+", help_text="The standards concerned; none: both."
    )

    class Meta:
        ordering = ["-number"]
        verbose_name_plural = "interested parties"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="interestedparty_number")
        ]
        indexes = [models.Index(fields=["organisation", "kind"], name="interestedparty_kind")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("context:party_detail", args=[self.pk])


class PartyRequirement(OrganisationOwned, VersionedModel):
    """A need or expectation of an interested party; adopted ones may become compliance obligations (4.2 c)."""

    party = models.ForeignKey(InterestedParty, on_delete=models.CASCADE, related_name="requirements")
    text = models.TextField("need or expectation")
    adopted = models.BooleanField(default=False, help_text="The organisation adopts it as a requirement.")
    becomes_obligation = models.BooleanField(
        "becomes a compliance obligation", default=False, help_text="ISO 14001 6.1.3."
    )
    climate_related = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["party", "pk"]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return f"{self.party.reference}: {text}"

    def get_absolute_url(self) -> str:
        return reverse("context:party_detail", args=[self.party_id]) + f"#requirement-{self.pk}"


class Scope(OrganisationOwned, VersionedModel):
    """The scope of the management system for one standard (clause 4.3), kept as documented information."""

    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(help_text="The scope statement as it appears on the certificate.")
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="None: every site.")
    products_services = models.TextField("products and services", blank=True)
    lifecycle = models.TextField(
        "life-cycle considerations", blank=True, help_text="ISO 14001: the life-cycle perspective considered."
    )
    boundaries = models.TextField(blank=True, help_text="Physical and organisational boundaries.")

    class Meta:
        ordering = ["standard__code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "standard"], name="scope_per_standard")
        ]

    def __str__(self) -> str:
        return f"Scope for {self.standard}"

    def get_absolute_url(self) -> str:
        return reverse("context:scope_detail", args=[self.pk])


class ScopeExclusion(OrganisationOwned):
    """A requirement declared not applicable, with its justification (ISO 9001 4.3 only)."""

    scope = models.ForeignKey(Scope, on_delete=models.CASCADE, related_name="exclusions")
    clause = models.ForeignKey("standards.Clause", on_delete=models.PROTECT, related_name="+")
    justification = models.TextField()

    class Meta:
        ordering = ["clause__sort_key"]
        constraints = [models.UniqueConstraint(fields=["scope", "clause"], name="scopeexclusion_unique")]

    def __str__(self) -> str:
        return f"{self.clause.number} not applicable"

    def get_absolute_url(self) -> str:
        return reverse("context:scope_detail", args=[self.scope_id])


class Process(OrganisationOwned, VersionedModel):
    """A process of the management system with its inputs, outputs, criteria and owner (clause 4.4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    name = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inputs = models.TextField(blank=True)
    outputs = models.TextField(blank=True)
    resources = models.TextField(blank=True)
    criteria = models.TextField(blank=True, help_text="How the process's performance is judged.")
    kpis = models.TextField("KPIs", blank=True)
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="None: every site.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        ordering = ["number"]
        verbose_name_plural = "processes"
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="process_number")]
        indexes = [models.Index(fields=["organisation", "status"], name="process_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("context:process_detail", args=[self.pk])


class ProcessInteraction(OrganisationOwned):
    """Process A feeds process B with something (clause 4.4.1 b: sequence and interaction)."""

    from_process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="feeds")
    to_process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="fed_by")
    flows = models.CharField("what flows", max_length=300, blank=True)

    class Meta:
        ordering = ["from_process__number", "to_process__number"]
        constraints = [
            models.UniqueConstraint(fields=["from_process", "to_process"], name="processinteraction_unique"),
            models.CheckConstraint(
                condition=~Q(from_process=F("to_process")), name="processinteraction_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_process.reference} → {self.to_process.reference}"

    def get_absolute_url(self) -> str:
        return reverse("context:process_detail", args=[self.from_process_id])


class OrganisationalRole(OrganisationOwned, VersionedModel):
    """A role with its responsibilities and authorities, and who holds it (clause 5.3 of both standards)."""

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    responsibilities = models.TextField(blank=True)
    authorities = models.TextField(blank=True)
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    holders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    standards = models.ManyToManyField(
        "standards.Standard", blank=True, related_name="+", help_text="The standards concerned; none: both."
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="organisationalrole_number")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("context:role_detail", args=[self.pk])
