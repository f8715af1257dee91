"""Findings (9.2.2): graded against a clause, listed and exported; and what each grade means."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from integrum.audits import services
from integrum.audits.filters import FindingFilterSet
from integrum.audits.forms import FindingForm, GradeDefinitionForm
from integrum.audits.models import Audit, ChecklistItem, Finding, GradeDefinition
from integrum.core.exports import xlsx_response
from integrum.core.models import StaleEdit
from integrum.core.permissions import MANAGE
from integrum.core.relations import related_to
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    OrganisationMixin,
    apply_validation_error,
)

EXPORT_HEADERS = [
    "Reference",
    "Audit",
    "Grade",
    "Clause",
    "Statement",
    "Evidence",
    "Process",
    "Site",
    "Raised by",
    "Date",
]


def _clause_label(clause: Any) -> str:
    return f"{clause.standard.code} {clause.number} {clause.title}"


class FindingListView(ObjectListView):
    model = Finding
    filterset_class = FindingFilterSet
    template_name = "audits/finding_list.html"

    def get_queryset(self) -> QuerySet[Finding]:
        return (
            super().get_queryset().select_related("audit", "clause__standard", "process", "site", "raised_by")
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") == "xlsx":
            filterset = FindingFilterSet(request.GET, queryset=self.get_queryset(), request=request)
            rows = filterset.qs if filterset.is_valid() else Finding.objects.none()
            return xlsx_response(
                "findings",
                EXPORT_HEADERS,
                (
                    [
                        f.reference,
                        f.audit.reference,
                        f.get_grade_display(),
                        _clause_label(f.clause),
                        f.statement,
                        f.evidence,
                        str(f.process) if f.process else "",
                        str(f.site) if f.site else "",
                        str(f.raised_by) if f.raised_by else "",
                        f.created_at.date(),
                    ]
                    for f in rows.iterator(chunk_size=500)
                ),
                title="Findings",
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["querystring"] = query.urlencode()
        return context


class FindingDetailView(ObjectDetailView):
    model = Finding
    template_name = "audits/finding_detail.html"

    def get_queryset(self) -> QuerySet[Finding]:
        return (
            super()
            .get_queryset()
            .select_related("audit", "clause__standard", "process", "site", "raised_by", "checklist_item")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        finding = self.object
        context["related"] = related_to(finding, self.request.user)
        context["definition"] = services.grade_definitions(self.organisation)[finding.grade]
        context["can_manage"] = self.can(MANAGE)
        context["editable"] = finding.audit.status not in services.ENDED
        return context


class FindingFormView(ObjectFormView):
    """A new finding comes from an audit (`?audit=`) or a checklist item (`?item=`, clause pre-filled)."""

    model = Finding
    form_class = FindingForm

    def get_queryset(self) -> QuerySet[Finding]:
        return super().get_queryset().select_related("audit")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            initial: dict[str, Any] = {}
            raw_item = self.request.GET.get("item", "")
            raw_audit = self.request.GET.get("audit", "")
            if raw_item.isdigit():
                item = get_object_or_404(self.scoped(ChecklistItem).select_related("audit"), pk=int(raw_item))
                initial.update(audit=item.audit_id, checklist_item=item.pk, clause=item.clause_id)
                if item.answer == ChecklistItem.Answer.NONCONFORMING:
                    initial["grade"] = "minor"
                    initial["evidence"] = item.notes
                elif item.answer == ChecklistItem.Answer.OBSERVATION:
                    initial["grade"] = "observation"
                    initial["evidence"] = item.notes
            elif raw_audit.isdigit():
                audit = get_object_or_404(self.scoped(Audit), pk=int(raw_audit))
                initial["audit"] = audit.pk
            kwargs["initial"] = initial
        return kwargs

    def save(self, form: Any) -> Any:
        data = form.cleaned_data
        fields = {
            "grade": data["grade"],
            "clause": data["clause"],
            "statement": data["statement"],
            "evidence": data["evidence"],
            "checklist_item": data["checklist_item"],
            "process": data["process"],
            "site": data["site"],
        }
        if self.object is None:
            return services.finding_create(audit=data["audit"], user=self.request.user, **fields)  # type: ignore[arg-type]
        return services.finding_update(
            finding=Finding.objects.select_related("audit").get(pk=self.object.pk),
            version=data["version"],
            **fields,
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "Record a finding"

    def cancel_url(self) -> str:
        if self.object:
            return str(self.object.get_absolute_url())
        return reverse("audits:finding_list")

    def success_message(self, obj: Any) -> str:
        return f"{obj.reference} recorded." if self.object is None else f"Saved {obj.reference}."


class FindingDeleteView(ObjectDeleteView):
    model = Finding
    service = services.finding_delete
    keyword = "finding"
    list_url = "audits:finding_list"


class GradeListView(OrganisationMixin, TemplateView):
    """What each finding grade means here; managers reword them."""

    template_name = "audits/grade_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        definitions = services.grade_definitions(self.organisation)
        can_manage = self.can(MANAGE)
        forms = kwargs.get("forms") or {}
        context["rows"] = [
            (
                definition,
                forms.get(definition.pk)
                or (
                    GradeDefinitionForm(instance=definition, organisation=self.organisation)
                    if can_manage
                    else None
                ),
            )
            for definition in definitions.values()
        ]
        context["can_manage"] = can_manage
        return context


class GradeUpdateView(OrganisationMixin, TemplateView):
    required_role = MANAGE
    template_name = "audits/grade_list.html"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        services.grade_definitions(self.organisation)
        definition = get_object_or_404(self.scoped(GradeDefinition), pk=pk)
        form = GradeDefinitionForm(request.POST, instance=definition, organisation=self.organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.grade_definition_update(
                    grade_definition=GradeDefinition.objects.get(pk=definition.pk),
                    version=data["version"],
                    definition=data["definition"],
                    response=data["response"],
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, f"Saved the definition of {definition.get_grade_display().lower()}."
                )
                return redirect("audits:grade_list")
        view = GradeListView()
        view.setup(request)
        context = view.get_context_data(forms={definition.pk: form})
        return self.render_to_response(context, status=400)
