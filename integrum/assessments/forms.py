from __future__ import annotations

from typing import Any

from django import forms

from integrum.actions.forms import RaiseActionForm
from integrum.assessments.models import Assessment, AssessmentItem
from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site
from integrum.standards.models import Standard


class AssessmentCreateForm(OrganisationForm):
    standards = forms.ModelMultipleChoiceField(
        queryset=Standard.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose both for an integrated gap analysis.",
    )

    class Meta:
        model = Assessment
        fields = ["title", "standards", "integrated", "owner", "target_date", "description"]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["standards"].label_from_instance = lambda s: f"{s.full_name} — {s.title}"  # type: ignore[attr-defined]


class AssessmentUpdateForm(OrganisationForm):
    class Meta:
        model = Assessment
        fields = ["title", "status", "owner", "target_date", "description", "version"]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]


class ItemForm(OrganisationForm):
    """The assessment of one clause; “not applicable” is offered only where the standard allows it."""

    class Meta:
        model = AssessmentItem
        fields = ["status", "notes", "justification", "owner", "target_date", "version"]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "justification": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "justification": "Needed only for “Not applicable”, allowed for a few ISO 9001 clauses.",
            "target_date": "When the gap should be closed.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        if not all(clause.exclusion_allowed for clause in self.instance.clauses.all()):
            status: Any = self.fields["status"]
            status.choices = [c for c in status.choices if c[0] != AssessmentItem.Status.NOT_APPLICABLE]
            del self.fields["justification"]


class GapActionForm(RaiseActionForm):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All sites")

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(organisation=organisation)  # type: ignore[attr-defined]


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(help_text="PDF, Office documents, images or text; checked by content.")
