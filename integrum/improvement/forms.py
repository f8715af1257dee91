"""Forms of the nonconformity pages; every write goes through `improvement.services`."""

from __future__ import annotations

from typing import Any

from django import forms

from integrum.actions.forms import RaiseActionForm
from integrum.audits.models import NONCONFORMITY_GRADES, Finding
from integrum.context.models import Process
from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site, User
from integrum.environment.models import ComplianceEvaluation
from integrum.improvement.models import Cause, CauseEntry, Nonconformity
from integrum.risks.models import Risk

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NC = Nonconformity

CREATE_FIELDS = [
    "title",
    "description",
    "source",
    "finding",
    "evaluation",
    "process",
    "source_detail",
    "site",
    "severity",
    "detected_on",
    "owner",
    "containment",
    "correction",
    "risks",
]
UPDATE_FIELDS = [
    "title",
    "description",
    "detected_on",
    "process",
    "source_detail",
    "site",
    "severity",
    "owner",
    "containment",
    "correction",
    "root_cause",
    "cause_category",
    "similar",
    "similar_note",
    "risks",
]


WIDGETS = {
    "description": forms.Textarea(attrs={"rows": 4}),
    "containment": forms.Textarea(attrs={"rows": 2}),
    "correction": forms.Textarea(attrs={"rows": 2}),
    "root_cause": forms.Textarea(attrs={"rows": 2}),
    "similar_note": forms.Textarea(attrs={"rows": 2}),
    "detected_on": DATE,
    "risks": forms.CheckboxSelectMultiple,
}
LABELS = {"detected_on": "Found on", "source_detail": "Complaint or supplier"}


class NonconformityForm(OrganisationForm):
    """The full form to raise a nonconformity from its source."""

    service_names = CREATE_FIELDS

    class Meta:
        model = Nonconformity
        fields = CREATE_FIELDS
        widgets = WIDGETS
        labels = LABELS

    def __init__(self, *args: Any, sites: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.organisation
        if "finding" in self.fields:
            self.fields["finding"].queryset = (  # type: ignore[attr-defined]
                Finding.objects.filter(organisation=organisation, grade__in=NONCONFORMITY_GRADES)
                .select_related("audit")
                .order_by("-number")
            )
            self.fields["evaluation"].queryset = ComplianceEvaluation.objects.filter(  # type: ignore[attr-defined]
                organisation=organisation, result__in=ComplianceEvaluation.FAILED_RESULTS
            ).order_by("-number")
        self.fields["process"].queryset = Process.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["site"].queryset = (  # type: ignore[attr-defined]
            sites if sites is not None else Site.objects.filter(organisation=organisation)
        )
        self.fields["owner"].queryset = members_of(organisation)  # type: ignore[attr-defined]
        self.fields["risks"].queryset = Risk.objects.filter(organisation=organisation).order_by("number")  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.service_names if name in data}
        fields["risks"] = list(data.get("risks") or [])
        return fields


class NonconformityUpdateForm(NonconformityForm):
    """Edit while not closed or rejected; the source stays what it was."""

    service_names = UPDATE_FIELDS

    class Meta:
        model = Nonconformity
        fields = [*UPDATE_FIELDS, "version"]
        widgets = WIDGETS
        labels = LABELS


class ReportForm(forms.Form):
    """The quick report: at most five fields, works on a phone."""

    title = forms.CharField(max_length=200, label="What happened?")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Details")
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="—")
    detected_on = forms.DateField(required=False, widget=DATE, label="When")
    photo = forms.FileField(
        required=False, label="Photo (optional)", widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )

    def __init__(self, *args: Any, organisation: Any, sites: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = (  # type: ignore[attr-defined]
            sites if sites is not None else Site.objects.filter(organisation=organisation)
        )


class TriageForm(forms.Form):
    severity = forms.ChoiceField(choices=NC.Severity.choices)
    owner = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(organisation)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class VerificationForm(forms.Form):
    effectiveness_due = forms.DateField(required=False, widget=DATE, label="Check effectiveness by")


class EffectivenessForm(forms.Form):
    result = forms.ChoiceField(
        choices=[
            (NC.Effectiveness.EFFECTIVE, "Effective"),
            (NC.Effectiveness.NOT_EFFECTIVE, "Not effective"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What was checked")


class SignedCloseForm(forms.Form):
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    password = forms.CharField(widget=forms.PasswordInput, label="Your password (signature)")


class AnalysisForm(forms.Form):
    """The conclusion of the root-cause analysis, on the detail page."""

    root_cause = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Root cause")
    cause_category = forms.ChoiceField(choices=[("", "—"), *Cause.choices], required=False, label="Category")
    similar = forms.ChoiceField(choices=NC.Similar.choices, required=False, label="Similar nonconformities")
    similar_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")
    version = forms.IntegerField(widget=forms.HiddenInput)


class CauseForm(forms.Form):
    method = forms.ChoiceField(choices=CauseEntry.Method.choices)
    category = forms.ChoiceField(choices=[("", "—"), *Cause.choices], required=False, label="6M category")
    text = forms.CharField(max_length=2000, label="Cause")
    is_root = forms.BooleanField(required=False, label="Mark as the root cause")


class ActionForm(RaiseActionForm):
    title = forms.CharField(max_length=200, label="Corrective action")
