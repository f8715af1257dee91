"""Forms of the management review pages; every write goes through `reviews.services`."""

from __future__ import annotations

from typing import Any

from django import forms

from integrum.actions.models import Action
from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import User
from integrum.reviews.inputs import BY_KEY
from integrum.reviews.models import ManagementReview, ReviewOutput
from integrum.standards.models import Standard

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewForm(OrganisationForm):
    class Meta:
        model = ManagementReview
        fields = [
            "title",
            "standards",
            "scheduled_for",
            "period_start",
            "period_end",
            "chair",
            "attendees",
            "other_attendees",
            "held_on",
            "conclusions",
            "version",
        ]
        widgets = {
            "standards": forms.CheckboxSelectMultiple,
            "attendees": forms.CheckboxSelectMultiple,
            "scheduled_for": DATE,
            "period_start": DATE,
            "period_end": DATE,
            "held_on": DATE,
            "conclusions": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "period_start": "Empty: the day after the last signed review's period, else one year before the meeting.",
            "period_end": "Empty: the day of the meeting.",
            "held_on": "Fill in after the meeting; needed to sign.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["chair"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["attendees"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["period_start"].required = False
        self.fields["period_end"].required = False
        if not self.instance.pk:
            self.initial.setdefault("standards", list(Standard.objects.values_list("pk", flat=True)))
            for name in ("held_on", "conclusions"):
                del self.fields[name]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["standards"] = list(data["standards"])
        data["attendees"] = list(data["attendees"])
        if self.instance.pk:
            for name in ("period_start", "period_end"):
                if data.get(name) is None:
                    data.pop(name)
        return data


class InputForm(forms.Form):
    minutes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was discussed and concluded.",
    )
    manual = forms.CharField(
        label="Written by hand",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What no module holds: figures, feedback, judgements.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OutputForm(forms.Form):
    kind = forms.ChoiceField(choices=ReviewOutput.Kind.choices)
    decision = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    input_key = forms.ChoiceField(label="Answers input", required=False)
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody yet"
    )
    due_date = forms.DateField(required=False, widget=DATE)
    priority = forms.ChoiceField(choices=Action.Priority.choices, initial=Action.Priority.MEDIUM)

    def __init__(self, *args: Any, review: ManagementReview, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(review.organisation)  # type: ignore[attr-defined]
        self.fields["input_key"].choices = [("", "—")] + [(k, BY_KEY[k].title) for k in keys if k in BY_KEY]  # type: ignore[attr-defined]


class SignForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Your password: signing closes the record.",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, help_text="Why the review will not be held.")
