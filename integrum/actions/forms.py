from __future__ import annotations

from typing import Any

from django import forms

from integrum.actions.models import Action
from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site, User


class ActionForm(OrganisationForm):
    class Meta:
        model = Action
        fields = ["title", "description", "owner", "site", "due_date", "priority", "version"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]


class RaiseActionForm(forms.Form):
    """An action raised from a record's page (a gap, a risk, an objective, a nonconformity)."""

    title = forms.CharField(max_length=200, label="Action")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due")
    priority = forms.ChoiceField(choices=Action.Priority.choices, initial=Action.Priority.MEDIUM)

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(organisation)  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Action.Status.choices)
    outcome = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="New owner")
    actions = forms.ModelMultipleChoiceField(queryset=Action.objects.none())

    def __init__(self, *args: Any, organisation: Any, actions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(organisation)  # type: ignore[attr-defined]
        self.fields["actions"].queryset = actions  # type: ignore[attr-defined]
