"""Forms of the environment pages; every write goes through `environment.services`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site, User
from integrum.environment.models import (
    Aspect,
    ComplianceEvaluation,
    ComplianceObligation,
    SignificanceMethod,
)
from integrum.environment.services import MAX_MONTHS, MAX_SCALE


class AspectForm(OrganisationForm):
    class Meta:
        model = Aspect
        fields = [
            "activity",
            "aspect",
            "impact",
            "impact_type",
            "condition",
            "lifecycle_stage",
            "control",
            "existing_controls",
            "obligations",
            "sites",
            "owner",
            "version",
        ]
        widgets = {
            "existing_controls": forms.Textarea(attrs={"rows": 3}),
            "sites": forms.CheckboxSelectMultiple,
            "obligations": forms.CheckboxSelectMultiple,
        }
        help_texts = {"sites": "Leave all unticked if it applies to every site."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["sites"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
        self.fields["obligations"].queryset = ComplianceObligation.objects.filter(  # type: ignore[attr-defined]
            organisation=self.organisation
        ).exclude(status=ComplianceObligation.Status.WITHDRAWN)

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ObligationForm(OrganisationForm):
    class Meta:
        model = ComplianceObligation
        fields = [
            "title",
            "kind",
            "source_reference",
            "jurisdiction",
            "issuer",
            "summary",
            "sites",
            "activities",
            "owner",
            "evaluation_frequency_months",
            "version",
        ]
        labels = {
            "evaluation_frequency_months": "Evaluate every (months)",
            "summary": "Summary in our own words",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "activities": forms.Textarea(attrs={"rows": 2}),
            "sites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["owner"].required = True
        self.fields["sites"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
        frequency = self.fields["evaluation_frequency_months"]
        frequency.validators += [MinValueValidator(1), MaxValueValidator(MAX_MONTHS)]
        frequency.widget.attrs.update(min=1, max=MAX_MONTHS)

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class EvaluationForm(OrganisationForm):
    """Schedule an evaluation, or move a scheduled one."""

    class Meta:
        model = ComplianceEvaluation
        fields = ["obligation", "due_date", "evaluator", "notes", "version"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["obligation"].queryset = ComplianceObligation.objects.filter(  # type: ignore[attr-defined]
            organisation=self.organisation, status=ComplianceObligation.Status.ACTIVE
        )
        if self.instance.pk:
            del self.fields["obligation"]


class CompleteForm(forms.Form):
    result = forms.ChoiceField(choices=ComplianceEvaluation.Result.choices, widget=forms.RadioSelect)
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you checked: permits, readings, inspection notes, records.",
    )
    evaluated_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Evaluated on")
    evaluator = forms.ModelChoiceField(queryset=User.objects.none())
    attachment = forms.FileField(
        required=False,
        label="Evidence files",
        help_text="Optional: a photo, a lab report, a permit (PDF, image, office file).",
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = members_of(organisation)  # type: ignore[attr-defined]


class ScoreForm(forms.Form):
    """One field per criterion of the method version, then an optional manual override."""

    OVERRIDE_CHOICES = [
        ("", "No: use the method's result"),
        ("yes", "Significant"),
        ("no", "Not significant"),
    ]
    override = forms.ChoiceField(choices=OVERRIDE_CHOICES, required=False, label="Override the result")
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for the override",
        help_text="Needed when you override the method's result.",
    )

    def __init__(self, *args: Any, method: SignificanceMethod, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method
        criteria_fields = {
            f"score_{c['key']}": forms.IntegerField(
                label=c["label"],
                min_value=c["scale_min"],
                max_value=c["scale_max"],
                help_text=f"From {c['scale_min']} to {c['scale_max']}"
                + (f", weight {c['weight']}" if "weight" in c else "")
                + ".",
            )
            for c in method.criteria
        }
        self.fields = {**criteria_fields, **self.fields}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("override") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why you override the method's result.")
        return cleaned

    def scores(self) -> dict[str, int]:
        return {c["key"]: self.cleaned_data[f"score_{c['key']}"] for c in self.method.criteria}

    def manual(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("override") or "")


class MethodForm(forms.Form):
    """A new version of the significance method. Criteria: one per line, `key | label | min | max | weight`."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=(
            "One criterion per line: key | label | lowest score | highest score | weight (optional), "
            "e.g. “severity | Severity of the impact | 1 | 5”."
        ),
    )
    aggregation = forms.ChoiceField(choices=SignificanceMethod.Aggregation.choices)
    threshold = forms.DecimalField(max_digits=24, decimal_places=4, min_value=Decimal(0))
    obligation_override = forms.BooleanField(
        required=False, label="An aspect to which a compliance obligation applies is significant"
    )
    emergency_criterion = forms.CharField(
        required=False,
        max_length=40,
        label="Emergency rule: criterion key",
        help_text="An aspect under emergency conditions is significant when it scores at least… on this criterion. Empty: no rule.",
    )
    emergency_min = forms.IntegerField(
        required=False, label="Emergency rule: at least", min_value=0, max_value=MAX_SCALE
    )
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_criteria(self) -> list[dict[str, Any]]:
        parsed = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) not in (4, 5):
                raise forms.ValidationError(
                    f"Line {number}: give key | label | lowest | highest, and optionally | weight."
                )
            try:
                low, high = int(parts[2]), int(parts[3])
            except ValueError:
                raise forms.ValidationError(
                    f"Line {number}: the scale runs between two whole numbers."
                ) from None
            entry: dict[str, Any] = {"key": parts[0], "label": parts[1], "scale_min": low, "scale_max": high}
            if len(parts) == 5 and parts[4]:
                entry["weight"] = parts[4]
            parsed.append(entry)
        return parsed

    @staticmethod
    def criteria_text(method: SignificanceMethod) -> str:
        lines = []
        for c in method.criteria:
            line = f"{c['key']} | {c['label']} | {c['scale_min']} | {c['scale_max']}"
            if "weight" in c:
                line += f" | {c['weight']}"
            lines.append(line)
        return "\n".join(lines)
