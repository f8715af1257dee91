"""Forms of the audit pages; every write goes through `audits.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from integrum.audits.models import Audit, Auditor, AuditProgramme, ChecklistItem, Finding, GradeDefinition
from integrum.audits.services import AUDIT_FIELDS, PROGRAMME_FIELDS
from integrum.context.models import Process
from integrum.core.forms import OrganisationForm, members_of
from integrum.core.models import Site, User
from integrum.standards.models import Clause, Standard

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.standard.code} {obj.number} {obj.title}"


class ClauseMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.standard.code} {obj.number} {obj.title}"


def _clauses() -> Any:
    return Clause.objects.select_related("standard").order_by("standard__code", "sort_key")


class ProgrammeForm(OrganisationForm):
    class Meta:
        model = AuditProgramme
        fields = [
            "title",
            "start_date",
            "end_date",
            "standards",
            "manager",
            "objectives",
            "method",
            "version",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "standards": forms.CheckboxSelectMultiple,
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "method": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["manager"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        if not self.instance.pk:
            self.initial.setdefault("standards", list(Standard.objects.values_list("pk", flat=True)))

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in PROGRAMME_FIELDS if name in data}
        fields["standards"] = list(data["standards"])
        return fields

    def _post_clean(self) -> None:
        pass


class AuditorForm(OrganisationForm):
    class Meta:
        model = Auditor
        fields = ["user", "qualifications", "standards", "own_processes", "is_active", "version"]
        widgets = {
            "qualifications": forms.Textarea(attrs={"rows": 3}),
            "standards": forms.CheckboxSelectMultiple,
            "own_processes": forms.CheckboxSelectMultiple,
        }
        labels = {"user": "Member", "own_processes": "Processes they work in"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = members_of(self.organisation)  # type: ignore[attr-defined]
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["own_processes"].queryset = Process.objects.filter(  # type: ignore[attr-defined]
            organisation=self.organisation
        )
        if self.instance.pk:
            self.fields["user"].disabled = True

    def _post_clean(self) -> None:
        pass


class AuditForm(OrganisationForm):
    clauses = ClauseMultipleChoiceField(
        queryset=Clause.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="The clauses audited; a heading clause brings its sub-clauses' questions.",
    )

    class Meta:
        model = Audit
        fields = [
            "title",
            "programme",
            "scope",
            "standards",
            "clauses",
            "processes",
            "sites",
            "lead_auditor",
            "team",
            "planned_start",
            "planned_end",
            "summary",
            "version",
        ]
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "standards": forms.CheckboxSelectMultiple,
            "processes": forms.CheckboxSelectMultiple,
            "sites": forms.CheckboxSelectMultiple,
            "team": forms.CheckboxSelectMultiple,
            "planned_start": DATE,
            "planned_end": DATE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.organisation
        self.fields["programme"].queryset = AuditProgramme.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation
        )
        self.fields["standards"].queryset = Standard.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["clauses"].queryset = _clauses()  # type: ignore[attr-defined]
        self.fields["processes"].queryset = Process.objects.filter(  # type: ignore[attr-defined]
            Q(status=Process.Status.ACTIVE) | Q(pk__in=self._linked("processes")), organisation=organisation
        )
        self.fields["sites"].queryset = Site.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["lead_auditor"].queryset = members_of(organisation)  # type: ignore[attr-defined]
        self.fields["team"].queryset = members_of(organisation)  # type: ignore[attr-defined]
        if not self.instance.pk:
            self.initial.setdefault("standards", list(Standard.objects.values_list("pk", flat=True)))

    def _linked(self, name: str) -> list[int]:
        return list(getattr(self.instance, name).values_list("pk", flat=True)) if self.instance.pk else []

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in AUDIT_FIELDS if name in data}
        for name in ("standards", "clauses", "processes", "sites", "team"):
            fields[name] = list(data[name])
        return fields

    def _post_clean(self) -> None:
        pass


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[c for c in ChecklistItem.Answer.choices if c[0]], widget=forms.RadioSelect
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,application/pdf", "capture": "environment"}
        ),
        label="Evidence photo or file",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CustomQuestionForm(forms.Form):
    question = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    clause = ClauseChoiceField(queryset=Clause.objects.none(), required=False, empty_label="No clause")

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = _clauses().filter(  # type: ignore[attr-defined]
            standard__in=audit.standards.all()
        )


class FindingForm(OrganisationForm):
    clause = ClauseChoiceField(queryset=Clause.objects.none())

    class Meta:
        model = Finding
        fields = [
            "audit",
            "checklist_item",
            "grade",
            "clause",
            "statement",
            "evidence",
            "process",
            "site",
            "version",
        ]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "grade": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.organisation
        self.fields["audit"].queryset = Audit.objects.filter(  # type: ignore[attr-defined]
            Q(status__in=(Audit.Status.IN_PROGRESS, Audit.Status.REPORTED)) | Q(pk=self.instance.audit_id),
            organisation=organisation,
        )
        self.fields["checklist_item"].queryset = ChecklistItem.objects.filter(  # type: ignore[attr-defined]
            organisation=organisation, audit__status__in=(Audit.Status.IN_PROGRESS, Audit.Status.REPORTED)
        ).select_related("audit")
        self.fields["clause"].queryset = _clauses()  # type: ignore[attr-defined]
        self.fields["process"].queryset = Process.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.filter(organisation=organisation)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["audit"].disabled = True
        self.fields["checklist_item"].required = False

    def _post_clean(self) -> None:
        pass


class GradeDefinitionForm(OrganisationForm):
    class Meta:
        model = GradeDefinition
        fields = ["definition", "response", "version"]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 2}),
        }

    def _post_clean(self) -> None:
        pass


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Audit.Status.choices)


def member_label(user: User) -> str:
    return user.get_full_name() or user.email
