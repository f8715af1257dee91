"""Forms of the document control pages; every write goes through `documents.services`."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet

from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Organisation, Role, Site, User
from integrum.documents.models import (
    ApprovalStep,
    Document,
    DocumentRevision,
    Kind,
    NumberingRule,
    PeriodicReview,
)
from integrum.documents.services import StepSpec, numbering_rule
from integrum.standards.models import Clause
from integrum.standards.services import clauses_of

# Fields only a record (retained documented information) has.
RECORD_FIELDS = ("retention_months", "disposal_date", "legal_hold")
# Roles that may be asked to review or approve (viewers do not sign).
SIGNING_ROLES = [(value, label) for value, label in Role.choices if value != Role.VIEWER]
MAX_STEPS = 6


def signers_of(organisation: Organisation) -> QuerySet[User]:
    """Members who may sign: contributors and above."""
    # One filter() call: the organisation and the role must hold on the same membership.
    return User.objects.filter(
        memberships__organisation=organisation,
        memberships__role__in=[Role.CONTRIBUTOR, Role.MANAGER, Role.ADMIN],
    ).order_by("first_name", "last_name")


def grouped_clauses() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every clause of the library, grouped by standard and labelled by its full reference."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for clause in Clause.objects.select_related("standard").order_by("standard", "sort_key"):
        groups[clause.standard.key].append((clause.pk, f"{clause.reference} {clause.title}"))
    return list(groups.items())


class DocumentForm(OrganisationForm):
    """A document's metadata: what it is, who owns it, which clauses it serves, who must read it."""

    clauses = forms.ModelMultipleChoiceField(
        queryset=Clause.objects.select_related("standard"),
        required=False,
        label="Clauses it serves",
        help_text="Hold Ctrl (⌘ on a Mac) to choose several. The quality and environmental policy serve 5.2 of each standard.",
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    distribution_roles = forms.MultipleChoiceField(
        choices=Role.choices,
        required=False,
        label="Roles who must read it",
        widget=forms.CheckboxSelectMultiple,
        help_text="Every member holding one of these roles is asked to acknowledge each new revision.",
    )

    class Meta:
        model = Document
        fields = [
            "kind",
            "title",
            "description",
            "owner",
            "sites",
            "confidentiality",
            "review_interval_months",
            "distribution_users",
            "retention_months",
            "disposal_date",
            "legal_hold",
            "version",
        ]
        labels = {
            "kind": "Type",
            "review_interval_months": "Review every (months)",
            "distribution_users": "People who must read it",
            "retention_months": "Keep for (months)",
            "disposal_date": "Dispose of on",
            "legal_hold": "On legal hold",
        }
        help_texts = {
            "sites": "Leave all unticked if it applies to every site.",
            "retention_months": "Counted from the date the record takes effect; sets the disposal date if that is empty.",
            "disposal_date": "The record cannot be deleted before this date.",
            "legal_hold": "While on hold the record cannot be deleted, whatever its disposal date.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "sites": forms.CheckboxSelectMultiple,
            "distribution_users": forms.CheckboxSelectMultiple,
            "disposal_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = members_of(self.organisation)
        self.fields["owner"].queryset = members  # type: ignore[attr-defined]
        self.fields["distribution_users"].queryset = members  # type: ignore[attr-defined]
        self.fields["sites"].queryset = Site.objects.filter(organisation=self.organisation)  # type: ignore[attr-defined]
        interval = self.fields["review_interval_months"]
        interval.validators += [MinValueValidator(1), MaxValueValidator(120)]
        interval.widget.attrs.update(min=1, max=120)
        # Options grouped by standard; the queryset still decides what is valid.
        self.fields["clauses"].choices = grouped_clauses()  # type: ignore[attr-defined]
        if self.instance.pk:
            # The reference is numbered per type: the type stays what it was created as.
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "Fixed once the document is numbered."
            self.fields["distribution_roles"].initial = list(self.instance.distribution_roles)
            self.fields["clauses"].initial = [c.pk for c in clauses_of(self.instance)]
            if not self.instance.is_record:
                for name in RECORD_FIELDS:
                    del self.fields[name]
        else:
            for name in RECORD_FIELDS:
                self.fields[name].help_text = f"Records only. {self.fields[name].help_text}".strip()

    @property
    def has_record_fields(self) -> bool:
        return "legal_hold" in self.fields

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of `document_create` / `document_update`."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["sites"] = list(data["sites"])
        data["clauses"] = list(data["clauses"])
        data["distribution_users"] = list(data["distribution_users"])
        data["distribution_roles"] = list(data["distribution_roles"])
        kind = self.instance.kind if self.instance.pk else data["kind"]
        if self.instance.pk:
            data.pop("kind", None)
        if kind != Kind.RECORD:
            for name in RECORD_FIELDS:
                data.pop(name, None)
        return data


class RevisionCreateForm(forms.Form):
    """A new revision: an uploaded file, or text written here."""

    label = forms.CharField(
        max_length=20, required=False, help_text="Leave empty for the next number (1, 2, 3 …)."
    )
    change_summary = forms.CharField(label="What changed and why", widget=forms.Textarea(attrs={"rows": 3}))
    routing = forms.ChoiceField(
        label="Reviewers and approvers sign",
        choices=DocumentRevision.Routing.choices,
        initial=DocumentRevision.Routing.SEQUENCE,
    )
    file = forms.FileField(
        required=False,
        label="Upload a file",
        help_text="PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG or TXT. Checked by its content, not its name.",
    )
    body = forms.CharField(
        required=False,
        label="… or write the text here",
        widget=forms.Textarea(attrs={"rows": 14, "class": "mono"}),
        help_text="Markdown: # heading, **bold**, - list item, 1. numbered item, [link](https://…).",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file, has_text = bool(data.get("file")), bool((data.get("body") or "").strip())
        if has_file == has_text:
            raise forms.ValidationError("Give the revision either a file or text, not both and not neither.")
        return data


class RevisionUpdateForm(OrganisationForm):
    """A draft's label, summary, routing, text and effective date."""

    class Meta:
        model = DocumentRevision
        fields = ["label", "change_summary", "routing", "body", "effective_date", "version"]
        labels = {"change_summary": "What changed and why", "routing": "Reviewers and approvers sign"}
        widgets = {
            "change_summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 16, "class": "mono"}),
            "effective_date": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"body": "Markdown: # heading, **bold**, - list item, [link](https://…)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.has_file:
            del self.fields["body"]  # a file revision is replaced by a new revision, not edited
        else:
            self.fields["body"].required = True


class SubmitForm(forms.Form):
    """Send a draft for review and approval: up to six steps, each a person or a role."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    routing = forms.ChoiceField(
        label="Reviewers and approvers sign", choices=DocumentRevision.Routing.choices
    )
    effective_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to put the revision in force as soon as the last approver signs.",
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signers = signers_of(organisation)
        for index in range(1, MAX_STEPS + 1):
            self.fields[f"step{index}_kind"] = forms.ChoiceField(
                label=f"Step {index}: review or approval",
                choices=ApprovalStep.Kind.choices,
                initial=ApprovalStep.Kind.APPROVE,
            )
            self.fields[f"step{index}_user"] = forms.ModelChoiceField(
                label=f"Step {index}: person",
                queryset=signers,
                required=False,
                empty_label="—",
            )
            self.fields[f"step{index}_role"] = forms.ChoiceField(
                label=f"Step {index}: or anyone holding the role",
                choices=[("", "—"), *SIGNING_ROLES],
                required=False,
            )

    @property
    def step_rows(self) -> list[tuple[int, Any, Any, Any]]:
        return [
            (i, self[f"step{i}_kind"], self[f"step{i}_user"], self[f"step{i}_role"])
            for i in range(1, MAX_STEPS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index in range(1, MAX_STEPS + 1):
            if data.get(f"step{index}_user") and data.get(f"step{index}_role"):
                self.add_error(f"step{index}_role", "Choose a person or a role, not both.")
        return data

    def steps(self) -> list[StepSpec]:
        """The rows that name someone, in order."""
        specs = []
        for index in range(1, MAX_STEPS + 1):
            user = self.cleaned_data.get(f"step{index}_user")
            role = self.cleaned_data.get(f"step{index}_role") or ""
            if user is not None or role:
                specs.append(StepSpec(kind=self.cleaned_data[f"step{index}_kind"], assignee=user, role=role))
        return specs


class SignForm(forms.Form):
    """An electronic signature: the signer proves who they are by re-entering the password."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, step: ApprovalStep, **kwargs: Any) -> None:
        kwargs["prefix"] = f"sign{step.pk}"
        super().__init__(*args, **kwargs)
        self.step = step
        self.meaning = ApprovalStep.MEANINGS[step.kind]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why it is rejected",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The author sees this; the revision goes back to draft.",
    )

    def __init__(self, *args: Any, step: ApprovalStep, **kwargs: Any) -> None:
        kwargs["prefix"] = f"reject{step.pk}"
        super().__init__(*args, **kwargs)
        self.step = step


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=PeriodicReview.Outcome.choices,
        widget=forms.RadioSelect,
        initial=PeriodicReview.Outcome.CONFIRMED,
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you checked, e.g. “still matches the process after the new press line”.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why it is withdrawn",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The document becomes obsolete: no longer in force, kept with its history.",
    )


PREFIX_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]{0,11}")


class NumberingForm(forms.Form):
    """Prefix and zero padding of every type of document, in one form."""

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.rules = {kind: numbering_rule(organisation, kind) for kind in Kind.values}
        for kind, label in Kind.choices:
            rule = self.rules[kind]
            self.fields[f"{kind}_prefix"] = forms.CharField(
                label=f"{label}: prefix", max_length=12, initial=rule.prefix
            )
            self.fields[f"{kind}_padding"] = forms.IntegerField(
                label=f"{label}: digits", min_value=1, max_value=8, initial=rule.padding
            )
            self.fields[f"{kind}_version"] = forms.IntegerField(
                required=False, widget=forms.HiddenInput, initial=rule.version if rule.pk else None
            )

    @property
    def rows(self) -> list[dict[str, Any]]:
        result = []
        for kind, label in Kind.choices:
            prefix = self[f"{kind}_prefix"].value() or ""
            try:
                padding = int(self[f"{kind}_padding"].value() or 3)
            except (TypeError, ValueError):
                padding = 3
            example = f"{str(prefix).strip().upper()}-{1:0{max(1, min(padding, 8))}d}"
            result.append(
                {
                    "kind": kind,
                    "label": label,
                    "prefix": self[f"{kind}_prefix"],
                    "padding": self[f"{kind}_padding"],
                    "version": self[f"{kind}_version"],
                    "example": example,
                    "saved": self.rules[kind].pk is not None,
                }
            )
        return result

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, str] = {}
        for kind, label in Kind.choices:
            field = f"{kind}_prefix"
            if field not in data:
                continue
            prefix = data[field].strip().upper()
            if not PREFIX_PATTERN.fullmatch(prefix):
                self.add_error(
                    field, "Use 1 to 12 capital letters, digits or hyphens, starting with a letter or digit."
                )
                continue
            if prefix in seen:
                self.add_error(
                    field, f"{seen[prefix]} already uses {prefix}: each type needs its own prefix."
                )
            seen[prefix] = label
            data[field] = prefix
        return data

    def changes(self) -> list[tuple[str, str, int, int | None]]:
        """(kind, prefix, padding, version) of each type whose rule changed."""
        changed = []
        for kind in Kind.values:
            rule: NumberingRule = self.rules[kind]
            prefix, padding = self.cleaned_data[f"{kind}_prefix"], self.cleaned_data[f"{kind}_padding"]
            if rule.pk is None or (prefix, padding) != (rule.prefix, rule.padding):
                if rule.pk is None and (prefix, padding) == (rule.prefix, rule.padding):
                    continue  # still the default: nothing to save
                changed.append((kind, prefix, padding, self.cleaned_data[f"{kind}_version"]))
        return changed
