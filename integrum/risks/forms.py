from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from integrum.core.forms import OrganisationForm, members_of
from integrum.risks import scoring, sources
from integrum.risks.models import Level, Risk, RiskMatrix
from integrum.risks.services import EDITABLE, risk_matrix_current
from integrum.standards.models import Standard

LEVEL_FIELDS = ("inherent_likelihood", "inherent_consequence", "residual_likelihood", "residual_consequence")


class RiskForm(OrganisationForm):
    source = forms.ChoiceField(
        required=False,
        help_text="The context issue, interested party, process, aspect or obligation it comes from.",
    )

    class Meta:
        model = Risk
        fields = [
            "kind",
            "title",
            "description",
            "standards",
            "cause",
            "effect",
            "inherent_likelihood",
            "inherent_consequence",
            "existing_controls",
            "treatment",
            "residual_likelihood",
            "residual_consequence",
            "owner",
            "review_date",
            "version",
        ]
        widgets = {
            "standards": forms.CheckboxSelectMultiple,
            "review_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "cause": forms.Textarea(attrs={"rows": 2}),
            "effect": forms.Textarea(attrs={"rows": 2}),
            "existing_controls": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "treatment": "Risks: avoid, mitigate, transfer or accept. Opportunities: pursue or defer.",
            "residual_likelihood": "After treatment; for a risk the residual score may not exceed the inherent one.",
        }

    field_order = ["kind", "title", "description", "standards", "source"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.matrix: RiskMatrix = risk_matrix_current(self.organisation)
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["source"].choices = sources.choices_for(user, self.organisation)  # type: ignore[attr-defined]
        for name in LEVEL_FIELDS:
            axis = name.split("_")[1]
            choices = (
                self.matrix.likelihood_choices()
                if axis == "likelihood"
                else self.matrix.consequence_choices()
            )
            required = name.startswith("inherent")
            self.fields[name] = forms.TypedChoiceField(
                label=self.fields[name].label,
                choices=[("", "—"), *choices],
                coerce=int,
                required=required,
                empty_value=None,
                help_text=self.fields[name].help_text,
            )
        if self.instance.pk:
            self.initial["source"] = self.instance.source_key()
            if self.instance.matrix_id != self.matrix.pk:
                for name in LEVEL_FIELDS:
                    value = self.initial.get(name)
                    if value is not None and value > self.matrix.size:
                        self.initial[name] = None
        else:
            self.initial.setdefault("standards", list(Standard.objects.values_list("pk", flat=True)))

    def clean_source(self) -> Any:
        try:
            return sources.resolve(self.cleaned_data.get("source", ""), self.user, self.organisation)
        except ValidationError as error:
            raise ValidationError(error.message_dict["source"]) from error

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in EDITABLE}
        fields["standards"] = list(data["standards"])
        fields["source"] = data["source"]
        return fields

    def _post_clean(self) -> None:
        # The service validates the model (and scores it); the form only checks its fields.
        pass


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Risk.Status.choices)


class RiskMatrixForm(forms.Form):
    """The matrix as an administrator edits it: a size, labels one per line, bands as rows."""

    based_on = forms.IntegerField(widget=forms.HiddenInput)
    size = forms.TypedChoiceField(
        choices=[(n, f"{n} × {n}") for n in range(scoring.MIN_SIZE, scoring.MAX_SIZE + 1)], coerce=int
    )
    likelihood_labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One label per line, lowest likelihood first; as many lines as the size.",
    )
    consequence_labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One label per line, least severe first; as many lines as the size.",
    )
    bands = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "One band per line, lowest first: highest score in the band, label, level (low, medium, high "
            "or critical), separated by commas, e.g. “4, Low, low”. The last band ends at size × size."
        ),
    )
    note = forms.CharField(
        max_length=300, required=False, help_text="Why the matrix changes (kept in its history)."
    )

    @staticmethod
    def initial_for(matrix: RiskMatrix) -> dict[str, Any]:
        return {
            "based_on": matrix.number,
            "size": matrix.size,
            "likelihood_labels": "\n".join(matrix.likelihood_labels),
            "consequence_labels": "\n".join(matrix.consequence_labels),
            "bands": "\n".join(f"{b['up_to']}, {b['label']}, {b['level']}" for b in matrix.bands),
        }

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean_likelihood_labels(self) -> list[str]:
        return self._lines(self.cleaned_data["likelihood_labels"])

    def clean_consequence_labels(self) -> list[str]:
        return self._lines(self.cleaned_data["consequence_labels"])

    def clean_bands(self) -> list[dict[str, Any]]:
        bands = []
        for number, line in enumerate(self._lines(self.cleaned_data["bands"]), start=1):
            parts = [part.strip() for part in line.split(",")]
            if len(parts) != 3 or not parts[0].isdigit():
                raise ValidationError(
                    f"Line {number} (“{line[:40]}”) should read: highest score, label, level — e.g. “9, Medium, medium”."
                )
            level = parts[2].lower()
            if level not in Level.values:
                raise ValidationError(f"Line {number}: the level must be low, medium, high or critical.")
            bands.append({"up_to": int(parts[0]), "label": parts[1], "level": level})
        return bands
