"""Audits (9.2.2): the list, an audit with its team, independence warnings and steps, its form,
the phone-friendly checklist with answers and evidence, and the report (HTML and PDF)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from integrum.audits import services
from integrum.audits.filters import AuditFilterSet
from integrum.audits.forms import AnswerForm, AuditForm, CustomQuestionForm, TransitionForm
from integrum.audits.models import Audit, ChecklistItem
from integrum.audits.report import report_context
from integrum.audits.selectors import checklist_progress
from integrum.core.exports import pdf_response
from integrum.core.models import Attachment, StaleEdit
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    error_text,
)


class AuditListView(ObjectListView):
    model = Audit
    filterset_class = AuditFilterSet
    template_name = "audits/audit_list.html"

    def get_queryset(self) -> QuerySet[Audit]:
        return (
            super().get_queryset().select_related("lead_auditor", "programme").prefetch_related("standards")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class AuditDetailView(ObjectDetailView):
    model = Audit
    template_name = "audits/audit_detail.html"

    def get_queryset(self) -> QuerySet[Audit]:
        return (
            super()
            .get_queryset()
            .select_related("lead_auditor", "programme")
            .prefetch_related("standards", "clauses__standard", "processes__owner", "sites", "team")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        audit = self.object
        context["warnings"] = services.independence_warnings(audit)
        context["progress"] = checklist_progress(audit)
        context["findings"] = audit.findings.select_related("clause__standard", "process", "site").order_by(
            "number"
        )
        context["steps"] = [
            (to, services.step_label(audit, to)) for to in services.allowed_transitions(audit)
        ]
        context["can_manage"] = self.can(MANAGE)
        context["findings_open"] = audit.status in services.FINDINGS_OPEN
        return context


class AuditFormView(ObjectFormView):
    model = Audit
    form_class = AuditForm

    def get_queryset(self) -> QuerySet[Audit]:
        return super().get_queryset().prefetch_related("standards", "clauses", "processes", "sites", "team")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            initial: dict[str, Any] = {"lead_auditor": self.request.user.pk}
            raw = self.request.GET.get("programme", "")
            if raw.isdigit():
                initial["programme"] = int(raw)
            raw = self.request.GET.get("process", "")
            if raw.isdigit():
                initial["processes"] = [int(raw)]
            kwargs["initial"] = initial
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.audit_create(organisation=self.organisation, **fields)
        return services.audit_update(
            audit=Audit.objects.get(pk=self.object.pk), version=form.cleaned_data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "Plan an audit"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("audits:audit_list")

    def success_message(self, obj: Any) -> str:
        text = (
            f"Saved {obj.reference}."
            if self.object
            else f"{obj.reference} planned. Build its checklist next."
        )
        warnings = services.independence_warnings(obj)
        for warning in warnings:
            messages.warning(self.request, f"Independence: {warning}")
        return text


class AuditDeleteView(ObjectDeleteView):
    model = Audit
    service = services.audit_delete
    keyword = "audit"
    list_url = "audits:audit_list"


class AuditTransitionView(ObjectMixin, View):
    model = Audit
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = self.get_object()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a step.")
            return redirect(audit)
        try:
            audit = services.audit_transition(audit=audit, to=form.cleaned_data["to"], user=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"{audit.reference} is now {audit.get_status_display().lower()}.")
        return redirect(audit)


# --- Checklist -------------------------------------------------------------------------------


def _attachments_by_item(items: list[ChecklistItem]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = defaultdict(list)
    if not items:
        return found
    for attachment in Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(ChecklistItem),
        object_id__in=[str(item.pk) for item in items],
    ).order_by("pk"):
        found[int(attachment.object_id)].append(attachment)
    return found


def _item_context(
    item: ChecklistItem, can_write: bool, files: list[Attachment], form: Any = None
) -> dict[str, Any]:
    audit = item.audit
    return {
        "item": item,
        "audit": audit,
        "files": files,
        "form": form,
        "can_answer": can_write and audit.status == Audit.Status.IN_PROGRESS,
        "can_add_evidence": can_write and audit.status in services.EVIDENCE_OPEN,
        "findings_open": can_write and audit.status in services.FINDINGS_OPEN,
        "answers": [c for c in ChecklistItem.Answer.choices if c[0]],
    }


class ChecklistView(ObjectMixin, TemplateView):
    """Every question as a card with its answer, notes and evidence; usable on a phone."""

    model = Audit
    template_name = "audits/checklist.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        audit = self.object
        can_write = self.can(WRITE)
        items = list(
            audit.checklist.select_related("clause__standard", "answered_by").prefetch_related("findings")
        )
        for item in items:
            item.audit = audit  # the cards need the audit's status; no query per item
        files = _attachments_by_item(items)
        context.update(
            audit=audit,
            object=audit,
            cards=[_item_context(item, can_write, files[item.pk]) for item in items],
            progress=checklist_progress(audit),
            can_write=can_write,
            can_generate=can_write and audit.status in services.CHECKLIST_EDITABLE,
            can_add=can_write
            and audit.status in (Audit.Status.PLANNED, Audit.Status.PREPARED, Audit.Status.IN_PROGRESS),
            question_form=kwargs.get("question_form") or CustomQuestionForm(audit=audit),
        )
        return context


class ChecklistGenerateView(ObjectMixin, View):
    model = Audit
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = self.get_object()
        try:
            added = services.checklist_generate(audit=audit)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                f"{added} question(s) added from the clauses."
                if added
                else "The checklist already has every question of the clauses.",
            )
        return redirect("audits:audit_checklist", audit.pk)


class ChecklistQuestionAddView(ObjectMixin, View):
    model = Audit
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        audit = self.get_object()
        form = CustomQuestionForm(request.POST, audit=audit)
        if form.is_valid():
            try:
                item = services.checklist_item_add(
                    audit=audit, question=form.cleaned_data["question"], clause=form.cleaned_data["clause"]
                )
            except ValidationError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, f"Question #{item.position} added.")
                return redirect(item)
        else:
            messages.error(request, "The question was not added: write the question.")
        return redirect("audits:audit_checklist", audit.pk)


class ChecklistAnswerView(ObjectMixin, View):
    """Save one item's answer, notes and evidence file; with htmx only the item's card comes back."""

    model = ChecklistItem
    required_role = WRITE

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        return super().get_queryset().select_related("audit", "clause__standard", "answered_by")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.get_object()
        form = AnswerForm(request.POST, request.FILES)
        error = ""
        if not form.is_valid():
            error = (
                "Choose an answer."
                if "answer" in form.errors
                else error_text(ValidationError(list(form.errors.values())))
            )
        else:
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    if item.audit.status == Audit.Status.IN_PROGRESS or not data["evidence"]:
                        item = services.checklist_item_answer(
                            item=item,
                            answer=data["answer"],
                            notes=data["notes"],
                            user=request.user,  # type: ignore[arg-type]
                            version=data["version"],
                        )
                    if data["evidence"]:
                        services.checklist_evidence_add(item=item, upload=data["evidence"], user=request.user)  # type: ignore[arg-type]
            except StaleEdit:
                error = "Someone else saved this item meanwhile: reload the page to see their answer."
                item = self.get_object()
            except ValidationError as problem:
                error = error_text(problem)
                item = self.get_object()
        if request.htmx:  # type: ignore[attr-defined]
            files = _attachments_by_item([item])[item.pk]
            context = _item_context(item, True, files)
            context["error"] = error
            context["saved"] = not error
            return render(request, "audits/_checklist_item.html", context)
        if error:
            messages.error(request, f"#{item.position} was not saved. {error}")
        else:
            messages.success(request, f"#{item.position} saved.")
        return redirect(reverse("audits:audit_checklist", args=[item.audit_id]) + f"#item-{item.pk}")


# --- Report ----------------------------------------------------------------------------------


class AuditReportView(ObjectMixin, TemplateView):
    model = Audit
    template_name = "audits/report.html"
    format = "html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        audit = self.get_object()
        context = report_context(audit)
        if self.format == "pdf":
            return pdf_response(f"{audit.reference}-report", self.template_name, context, request)
        return self.render_to_response(context)
