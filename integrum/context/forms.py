from __future__ import annotations

from typing import Any

from django import forms

from integrum.context.models import (
    ClimateDetermination,
    ContextIssue,
    InterestedParty,
    OrganisationalRole,
    PartyRequirement,
    Process,
    ProcessInteraction,
    Scope,
    ScopeExclusion,
)
from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site, User
from integrum.standards.models import Clause, Standard


def rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class RegisterForm(OrganisationForm):
    """A register's form: people and sites limited to the organisation; `service_fields()` for the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if model is User:
                field.queryset = members_of(self.organisation)  # type: ignore[attr-defined]
            elif model is Site:
                field.queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
            elif model is Standard:
                field.queryset = Standard.objects.all()  # type: ignore[attr-defined]
        if "version" in self.fields and self.instance.pk is None:
            self.fields["version"].required = False

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if self.instance.pk is not None:
            data["version"] = self.cleaned_data["version"]
        return data


class ContextIssueForm(RegisterForm):
    class Meta:
        model = ContextIssue
        fields = [
            "title",
            "description",
            "origin",
            "category",
            "effect",
            "standards",
            "environmental_condition",
            "climate_related",
            "owner",
            "review_date",
            "status",
            "version",
        ]
        widgets = {
            "description": rows(4),
            "standards": forms.CheckboxSelectMultiple,
            "review_date": forms.DateInput(attrs={"type": "date"}),
        }


class ClimateDeterminationForm(OrganisationForm):
    relevant = forms.TypedChoiceField(
        label="Is climate change a relevant issue?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ClimateDetermination
        fields = ["relevant", "rationale", "decided_on", "version"]
        widgets = {"rationale": rows(4), "decided_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].required = False
        self.fields["version"].required = False
        if self.instance.pk is not None:
            self.initial["relevant"] = "yes" if self.instance.relevant else "no"


class InterestedPartyForm(RegisterForm):
    class Meta:
        model = InterestedParty
        fields = ["name", "origin", "kind", "description", "climate_related", "standards", "version"]
        widgets = {"description": rows(3), "standards": forms.CheckboxSelectMultiple}


class PartyRequirementForm(RegisterForm):
    class Meta:
        model = PartyRequirement
        fields = ["text", "adopted", "becomes_obligation", "climate_related", "notes", "version"]
        widgets = {"text": rows(3), "notes": rows(2)}


class ScopeForm(RegisterForm):
    class Meta:
        model = Scope
        fields = ["standard", "statement", "products_services", "lifecycle", "boundaries", "sites", "version"]
        widgets = {
            "statement": rows(4),
            "products_services": rows(3),
            "lifecycle": rows(3),
            "boundaries": rows(3),
            "sites": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["standard"]  # a scope stays with its standard


class ScopeExclusionForm(forms.ModelForm):
    class Meta:
        model = ScopeExclusion
        fields = ["clause", "justification"]
        widgets = {"justification": rows(3)}
        labels = {"clause": "Requirement not applicable"}

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = Clause.objects.filter(  # type: ignore[attr-defined]
            standard_id=scope.standard_id, exclusion_allowed=True
        ).select_related("standard")
        self.fields["clause"].label_from_instance = lambda clause: f"{clause.number} {clause.title}"  # type: ignore[attr-defined]


class ProcessForm(RegisterForm):
    class Meta:
        model = Process
        fields = [
            "name",
            "purpose",
            "owner",
            "inputs",
            "outputs",
            "resources",
            "criteria",
            "kpis",
            "sites",
            "status",
            "version",
        ]
        widgets = {
            "purpose": rows(3),
            "inputs": rows(3),
            "outputs": rows(3),
            "resources": rows(3),
            "criteria": rows(3),
            "kpis": rows(3),
            "sites": forms.CheckboxSelectMultiple,
        }


class ProcessInteractionForm(forms.ModelForm):
    class Meta:
        model = ProcessInteraction
        fields = ["to_process", "flows"]
        labels = {"to_process": "Feeds process"}

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_process"].queryset = Process.objects.filter(  # type: ignore[attr-defined]
            organisation_id=process.organisation_id
        ).exclude(pk=process.pk)


class OrganisationalRoleForm(RegisterForm):
    class Meta:
        model = OrganisationalRole
        fields = ["title", "responsibilities", "authorities", "reports_to", "holders", "standards", "version"]
        widgets = {
            "responsibilities": rows(4),
            "authorities": rows(4),
            "holders": forms.CheckboxSelectMultiple,
            "standards": forms.CheckboxSelectMultiple,
        }
        help_texts = {"holders": "Members who hold the role."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = OrganisationalRole.objects.filter(organisation=self.organisation)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        self.fields["reports_to"].queryset = others  # type: ignore[attr-defined]
