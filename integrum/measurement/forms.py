"""Forms of the environmental data pages; every write goes through `measurement.services`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from integrum.core.forms import OrganisationForm
from integrum.core.models import Site
from integrum.core.permissions import membership_in
from integrum.measurement.models import Meter, Quality, SiteFigure


def sites_for(organisation: Any, user: Any) -> Any:
    """The sites a user may put a record on: all, or those their membership is limited to."""
    sites = Site.objects.filter(organisation=organisation)
    membership = membership_in(user, organisation.pk) if user is not None else None
    if membership is not None and membership.site_ids:
        sites = sites.filter(pk__in=membership.site_ids)
    return sites


class MeterForm(OrganisationForm):
    class Meta:
        model = Meter
        fields = [
            "site",
            "code",
            "name",
            "kind",
            "unit",
            "reading_kind",
            "interval_minutes",
            "fuel",
            "waste_stream",
            "disposal_route",
            "supplier",
            "outlier_factor",
            "version",
        ]
        labels = {"interval_minutes": "Interval (minutes)", "reading_kind": "Readings are"}
        widgets = {"reading_kind": forms.RadioSelect}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(self.organisation, user)  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ReadingForm(forms.Form):
    """One reading of a meter: a time for register reads and interval meters, a period (first and
    last day, both included) for the rest."""

    timestamp = forms.DateTimeField(
        required=False,
        label="Read at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    first_day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Included in the period."
    )
    value = forms.DecimalField(
        max_digits=26, decimal_places=9, widget=forms.NumberInput(attrs={"step": "any"})
    )
    unit = forms.CharField(required=False, max_length=30)
    quality = forms.ChoiceField(choices=Quality.choices, initial=Quality.MEASURED)

    def __init__(self, *args: Any, meter: Meter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.fields["unit"].help_text = f"Leave empty for the meter's unit, {meter.unit}."
        self.fields["unit"].widget.attrs["placeholder"] = meter.unit
        if self.by_time:
            del self.fields["first_day"], self.fields["last_day"]
            self.fields["timestamp"].required = True
            if meter.reading_kind == Meter.ReadingKind.REGISTER:
                self.fields["value"].label = "Register value"
                self.fields[
                    "value"
                ].help_text = "The index shown on the meter; the amount used is worked out."
            else:
                self.fields["timestamp"].label = "Interval starts at"
                self.fields[
                    "timestamp"
                ].help_text = f"The reading covers the {meter.interval_minutes} minutes from then."
        else:
            del self.fields["timestamp"]
            self.fields["first_day"].required = self.fields["last_day"].required = True
            self.fields["value"].label = "Amount used"

    @property
    def by_time(self) -> bool:
        return self.meter.reading_kind == Meter.ReadingKind.REGISTER or bool(self.meter.interval_minutes)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "The last day cannot come before the first.")
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {"value": data["value"], "unit": data["unit"], "quality": data["quality"]}
        if self.by_time:
            fields["timestamp"] = data["timestamp"]
        else:
            fields["start"] = data["first_day"]
            fields["end"] = data["last_day"] + dt.timedelta(days=1)
        return fields


# The fields the service reports errors on → the form's.
READING_FIELD_OF = {"start": "first_day", "end": "last_day"}


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV or XLSX whose first row names the columns: meter, timestamp (or start and end), "
        "value, and optionally unit and quality."
    )
    mode = forms.ChoiceField(
        choices=[
            ("check", "Check only: show what would be imported, then I commit"),
            ("commit", "Check, and commit straight away if there is no error"),
        ],
        initial="check",
        widget=forms.RadioSelect,
        label="When the check is done",
    )


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m")


class SiteFigureForm(OrganisationForm):
    month = forms.DateField(widget=MonthInput, input_formats=["%Y-%m", "%Y-%m-%d"], help_text="e.g. 2026-03")

    class Meta:
        model = SiteFigure
        fields = ["site", "kind", "month", "value", "unit", "version"]
        labels = {"site": "Site"}
        help_texts = {"site": "Leave empty for a figure of the whole organisation."}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(self.organisation, user)  # type: ignore[attr-defined]
        self.fields["site"].empty_label = "Whole organisation"  # type: ignore[attr-defined]
        self.fields["value"].widget.attrs["min"] = 0

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
