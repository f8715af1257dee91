"""Forms of the KPI and objective pages; every write goes through `performance.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site
from integrum.measurement.models import Meter, Quality
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.periods import parse_period, period_key
from integrum.performance.services import KPI_FIELDS, OBJECTIVE_FIELDS
from integrum.standards.models import Standard

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class KpiForm(OrganisationForm):
    meter_kind = forms.ChoiceField(
        choices=[("", "—"), *Meter.Kind.choices],
        required=False,
        label="Meter kind",
        help_text="For a KPI computed from meters: which kind of meter is added up.",
    )

    class Meta:
        model = Kpi
        fields = [
            "name",
            "description",
            "standards",
            "source",
            "meter_kind",
            "emissions_basis",
            "unit",
            "direction",
            "target",
            "warning_threshold",
            "frequency",
            "normalisation",
            "roll_up",
            "sites",
            "baseline_year",
            "baseline_value",
            "owner",
            "is_active",
            "version",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "standards": forms.CheckboxSelectMultiple,
            "sites": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "emissions_basis": "For a KPI computed from the GHG inventory: which scopes are added up.",
            "unit": "For meters, a unit the meters' units convert to (kWh, MWh, m³, t); for emissions kg CO2e "
            "or t CO2e; otherwise anything, e.g. % or complaints.",
            "roll_up": "How the sites' values make the KPI's value.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["sites"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
        if not self.instance.pk:
            self.initial.setdefault("standards", list(Standard.objects.values_list("pk", flat=True)))

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in KPI_FIELDS if name in data}
        fields["standards"] = list(data["standards"])
        fields["sites"] = list(data["sites"])
        return fields

    def _post_clean(self) -> None:
        # The service checks the definition as a whole; the form only checks its fields.
        pass


class KpiValueForm(forms.Form):
    """A value of a KPI entered by hand; with `version`, a change to the value already there."""

    period = forms.CharField(max_length=20)
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label="Whole KPI (no site)"
    )
    value = forms.DecimalField(max_digits=20, decimal_places=4)
    quality = forms.ChoiceField(choices=Quality.choices, initial=Quality.MEASURED)
    note = forms.CharField(max_length=300, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    HINTS = {"monthly": "e.g. 2025-03", "quarterly": "e.g. 2025-Q1", "yearly": "e.g. 2025"}

    def __init__(self, *args: Any, kpi: Kpi, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["period"].help_text = f"A {kpi.frequency[:-2]}, {self.HINTS[kpi.frequency]}."
        self.fields["period"].widget.attrs["placeholder"] = self.HINTS[kpi.frequency][5:]
        self.fields["value"].label = f"Value ({kpi.unit})"

    def clean_period(self) -> Any:
        return parse_period(self.cleaned_data["period"], self.kpi.frequency)

    @classmethod
    def for_value(cls, value: KpiValue, *, kpi: Kpi, sites: Any) -> KpiValueForm:
        return cls(
            kpi=kpi,
            sites=sites,
            initial={
                "period": period_key(value.period, kpi.frequency),
                "site": value.site_id,
                "value": value.value.normalize(),
                "quality": value.quality,
                "note": value.note,
                "version": value.version,
            },
        )


class ObjectiveForm(OrganisationForm):
    class Meta:
        model = Objective
        fields = [
            "title",
            "statement",
            "standards",
            "kpi",
            "baseline_value",
            "baseline_date",
            "target_value",
            "start_date",
            "due_date",
            "owner",
            "resources",
            "evaluation",
            "risks",
            "aspects",
            "obligations",
            "version",
        ]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "resources": forms.Textarea(attrs={"rows": 2}),
            "evaluation": forms.Textarea(attrs={"rows": 2}),
            "standards": forms.CheckboxSelectMultiple,
            "risks": forms.CheckboxSelectMultiple,
            "aspects": forms.CheckboxSelectMultiple,
            "obligations": forms.CheckboxSelectMultiple,
            "baseline_date": DATE,
            "start_date": DATE,
            "due_date": DATE,
        }
        help_texts = {
            "baseline_value": "Where the KPI stood before; empty: the KPI's baseline.",
            "target_value": "What the KPI should reach by the due date; empty: the KPI's target.",
            "risks": "The risks and opportunities it addresses (ISO 6.1.4).",
        }
        labels = {"kpi": "KPI", "obligations": "Compliance obligations"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from integrum.environment.models import Aspect, ComplianceObligation
        from integrum.risks.models import Risk

        organisation = self.organisation
        instance = self.instance
        # Records linked earlier stay choosable after they are closed or made inactive.
        kpi_id = instance.kpi_id if instance.pk else None
        linked_risks = instance.risks.values("pk") if instance.pk else Risk.objects.none().values("pk")
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = members_of(organisation)  # type: ignore[attr-defined]
        self.fields["owner"].required = True
        self.fields["kpi"].queryset = Kpi.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=kpi_id), organisation=organisation
        )
        self.fields["risks"].queryset = Risk.objects.filter(  # type: ignore[attr-defined]
            ~Q(status=Risk.Status.CLOSED) | Q(pk__in=linked_risks), organisation=organisation
        )
        self.fields["aspects"].queryset = Aspect.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["obligations"].queryset = ComplianceObligation.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation
        )
        if not instance.pk:
            self.initial.setdefault("standards", list(Standard.objects.values_list("pk", flat=True)))

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in OBJECTIVE_FIELDS if name in data}
        for name in ("standards", "risks", "aspects", "obligations"):
            fields[name] = list(data[name])
        return fields

    def _post_clean(self) -> None:
        pass


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=400, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError("Say why the objective is cancelled.")
        return reason
