"""Forms of the GHG inventory pages; every write goes through `ghg.services`, which checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from integrum.core.forms import OrganisationForm
from integrum.core.models import Site
from integrum.core.permissions import membership_in
from integrum.ghg.models import ContractualInstrument, EmissionSource, FactorDataset, GwpSet, Inventory
from integrum.ghg.services import FIRST_YEAR, LAST_YEAR
from integrum.measurement.models import Meter

DATASET_GWP = [("", "The dataset's own GWP set"), *GwpSet.choices]


class DatasetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.identifier} ({obj.get_gwp_set_display()})"


def dataset_field(**kwargs: Any) -> DatasetChoiceField:
    return DatasetChoiceField(
        queryset=FactorDataset.objects.order_by("family", "-edition", "-version"),
        empty_label="Choose a factor dataset",
        **kwargs,
    )


class InventoryForm(OrganisationForm):
    """Create an inventory, or change the settings of an open one (its year stays)."""

    dataset = dataset_field(help_text="The emission factors to calculate with; any imported dataset.")
    gwp_set = forms.ChoiceField(
        label="GWP set",
        choices=DATASET_GWP,
        required=False,
        help_text="Global warming potentials that turn each gas into CO₂e. Leave as the dataset's own unless "
        "you report in another assessment report's values.",
    )

    class Meta:
        model = Inventory
        # The GWP set is not a model field of the form: left empty it means the dataset's own,
        # which the service fills in, and the model would refuse an empty value first.
        fields = ["year", "dataset", "residual_mix_factor", "notes", "version"]
        labels = {"residual_mix_factor": "Residual mix factor (kg CO₂e per kWh)"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        year.validators += [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
        year.widget.attrs.update(min=FIRST_YEAR, max=LAST_YEAR)
        self.fields["residual_mix_factor"].widget.attrs.update(min=0, step="any")
        self.order_fields(["year", "dataset", "gwp_set", "residual_mix_factor", "notes"])
        if self.instance.pk:
            del self.fields["year"]
            self.initial.setdefault("gwp_set", self.instance.gwp_set)

    def validate_unique(self) -> None:
        """The service says when the year is taken, in words."""

    def service_fields(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key not in {"version", "year"}}


class RestateForm(forms.Form):
    dataset = dataset_field(help_text="The dataset to recalculate the closed year with.")
    gwp_set = forms.ChoiceField(
        label="GWP set", choices=[("", "Keep the current GWP set"), *GwpSet.choices], required=False
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="Why the published figures change: a corrected factor, a new edition, data found late…",
    )


class EmissionSourceForm(OrganisationForm):
    family = forms.ChoiceField(label="Dataset family", help_text="Publisher of the factor, e.g. desnz.")

    class Meta:
        model = EmissionSource
        fields = [
            "meter",
            "family",
            "factor_key",
            "scope",
            "scope3_category",
            "scope2_basis",
            "label",
            "version",
        ]
        labels = {
            "factor_key": "Factor key",
            "scope3_category": "Scope 3 category",
            "scope2_basis": "Scope 2 basis",
        }
        help_texts = {
            "factor_key": "Pick a factor with the search above; the key is the same in every edition.",
            "scope3_category": "Only for scope 3.",
            "scope2_basis": "Only for scope 2: electricity gets a market-based figure beside the location-based one.",
            "label": "Optional; shown instead of meter → factor key.",
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        meters = Meter.objects.filter(organisation=self.organisation).select_related("site")
        if user is not None:
            meters = meters.filter(pk__in=Meter.objects.visible_to(user).values("pk"))
        self.fields["meter"].queryset = meters  # type: ignore[attr-defined]
        families = list(FactorDataset.objects.order_by("family").values_list("family", flat=True).distinct())
        self.fields["family"].choices = [("", "Choose a family"), *((f, f) for f in families)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        meter, family, key = data.get("meter"), data.get("family"), data.get("factor_key")
        clash = EmissionSource.objects.filter(meter=meter, family=family, factor_key=(key or "").strip())
        if meter and key and clash.exclude(pk=self.instance.pk).exists():
            # Named here, at the field, so the model's constraint does not answer in its own words.
            self.add_error("factor_key", "This meter is already mapped to that factor.")
        return data

    def service_fields(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class InstrumentForm(OrganisationForm):
    class Meta:
        model = ContractualInstrument
        fields = [
            "kind",
            "site",
            "supplier",
            "reference",
            "start",
            "end",
            "emission_rate",
            "covered_kwh",
            "version",
        ]
        labels = {"emission_rate": "Emission rate (kg CO₂e per kWh)", "covered_kwh": "kWh covered"}
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = Site.objects.filter(organisation=self.organisation)
        membership = membership_in(user, self.organisation.pk) if user is not None else None
        if membership is not None and membership.site_ids:
            sites = sites.filter(pk__in=membership.site_ids)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["site"].empty_label = "All sites"  # type: ignore[attr-defined]
        self.fields["emission_rate"].widget.attrs.update(min=0, step="any")
        self.fields["covered_kwh"].widget.attrs.update(min=0, step="any")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            # Named here so the model's date constraint does not answer with its bare name.
            self.add_error("end", "The end cannot be before the start.")
        return data

    def service_fields(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class FactorSearchForm(forms.Form):
    """The factor picker: words searched in the latest dataset of a family."""

    family = forms.ChoiceField(label="Dataset family", required=False)
    words = forms.CharField(label="Words or key", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = list(FactorDataset.objects.order_by("family").values_list("family", flat=True).distinct())
        self.fields["family"].choices = [("", "Choose a family"), *((f, f) for f in families)]  # type: ignore[attr-defined]
