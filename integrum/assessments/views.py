from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View

from integrum.actions.models import Action
from integrum.actions.views import RaiseActionView
from integrum.assessments import services
from integrum.assessments.filters import AssessmentFilterSet, AssessmentItemFilterSet
from integrum.assessments.forms import (
    AssessmentCreateForm,
    AssessmentUpdateForm,
    EvidenceUploadForm,
    GapActionForm,
    ItemForm,
)
from integrum.assessments.models import Assessment, AssessmentItem, EvidenceLink
from integrum.assessments.selectors import GROUP_TITLES, GROUPS, readiness, readiness_warnings
from integrum.core import linking
from integrum.core.charts import Series, percent_bars
from integrum.core.exports import pdf_response, xlsx_response
from integrum.core.models import Attachment, StaleEdit
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.services import attachment_add
from integrum.core.views import (
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    apply_validation_error,
)
from integrum.standards import evidence
from integrum.standards.models import Clause

DISCIPLINE_STYLE = {
    "quality": ("chart__bar--quality", "#1f5f8b"),
    "environment": ("chart__bar--environment", "#2e7d4f"),
}


def readiness_chart(rows: list[Any]) -> Any:
    categories = [f"{g} {GROUP_TITLES[g]}" for g in GROUPS]
    series = [
        Series(
            name=row.standard.key,
            css_class=DISCIPLINE_STYLE.get(row.standard.discipline, DISCIPLINE_STYLE["quality"])[0],
            fill=DISCIPLINE_STYLE.get(row.standard.discipline, DISCIPLINE_STYLE["quality"])[1],
            values=[row.groups[g].percent for g in GROUPS],
        )
        for row in rows
    ]
    return percent_bars("Readiness by clause", categories, series)


def items_with_clauses(queryset: QuerySet[AssessmentItem]) -> QuerySet[AssessmentItem]:
    """Items with everything a table row shows, in a fixed number of queries."""
    return queryset.select_related("clause__standard", "owner").prefetch_related(
        Prefetch("clauses", queryset=Clause.objects.select_related("standard"))
    )


class AssessmentListView(ObjectListView):
    model = Assessment
    filterset_class = AssessmentFilterSet
    template_name = "assessments/assessment_list.html"

    def get_queryset(self) -> QuerySet[Assessment]:
        return super().get_queryset().select_related("owner").prefetch_related("standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class AssessmentCreateView(ObjectFormView):
    model = Assessment
    form_class = AssessmentCreateForm
    title = "New gap analysis"

    def save(self, form: Any) -> Any:
        data = form.cleaned_data
        return services.assessment_create(
            organisation=self.organisation,
            title=data["title"],
            standards=list(data["standards"]),
            integrated=data["integrated"],
            owner=data["owner"],
            target_date=data["target_date"],
            description=data["description"],
        )


class AssessmentUpdateView(ObjectFormView):
    model = Assessment
    form_class = AssessmentUpdateForm


class AssessmentDetailView(ObjectDetailView):
    """The gap analysis page: readiness per standard and clause group, then the clause table."""

    model = Assessment
    template_name = "assessments/assessment_detail.html"
    paginate_by = 200

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = readiness(self.object)
        items = AssessmentItem.objects.visible_to(self.request.user).filter(assessment=self.object)
        filterset = AssessmentItemFilterSet(self.request.GET, queryset=items, request=self.request)
        del filterset.form.fields["assessment"]  # the page is already one assessment
        shown = filterset.qs if filterset.is_valid() else items.none()
        context.update(
            readiness=rows,
            warnings=readiness_warnings(self.organisation),
            chart=readiness_chart(rows),
            filter=filterset,
            items=items_with_clauses(shown),
            group_titles=GROUP_TITLES,
            today=timezone.localdate(),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        export = request.GET.get("export")
        if export in {"xlsx", "pdf"}:
            self.object = self.get_object()
            return self.export_xlsx() if export == "xlsx" else self.export_pdf()
        return super().get(request, *args, **kwargs)

    def export_xlsx(self) -> HttpResponse:
        items = items_with_clauses(
            AssessmentItem.objects.visible_to(self.request.user).filter(assessment=self.object)
        )
        return xlsx_response(
            f"gap-analysis-{self.object.pk}",
            ["Clause", "Title", "Standards", "Status", "Notes", "Justification", "Owner", "Target date"],
            (
                [
                    item.clause.number,
                    item.clause.title,
                    ", ".join(c.reference for c in item.ordered_clauses),
                    item.get_status_display(),
                    item.notes,
                    item.justification,
                    str(item.owner or ""),
                    item.target_date,
                ]
                for item in items
            ),
            title="Gap analysis",
        )

    def export_pdf(self) -> HttpResponse:
        rows = readiness(self.object)
        items = items_with_clauses(
            AssessmentItem.objects.visible_to(self.request.user).filter(
                assessment=self.object, status__in=AssessmentItem.OPEN_STATUSES
            )
        )
        actions = (
            Action.objects.visible_to(self.request.user)
            .filter(
                source_type=ContentType.objects.get_for_model(AssessmentItem),
                source_id__in=[
                    str(pk)
                    for pk in AssessmentItem.objects.filter(assessment=self.object).values_list(
                        "pk", flat=True
                    )
                ],
            )
            .select_related("owner")
        )
        context = {
            "assessment": self.object,
            "organisation": self.organisation,
            "readiness": rows,
            "warnings": readiness_warnings(self.organisation),
            "chart": readiness_chart(rows),
            "open_items": items,
            "actions": actions,
            "group_titles": GROUP_TITLES,
            "groups": GROUPS,
            "generated": timezone.now(),
        }
        return pdf_response(
            f"gap-analysis-{self.object.pk}", "assessments/assessment_report.html", context, self.request
        )


def clause_records(user: Any, organisation: Any, item: AssessmentItem) -> list[evidence.EvidenceRecord]:
    """Records that serve the item's clauses (documents linked to 7.5.1 show on the 7.5.1 item)."""
    records: dict[tuple[str, str], evidence.EvidenceRecord] = {}
    for found in evidence.serving(user, organisation, item.ordered_clauses).values():
        for record in found:  # a document serving both standards' clause is listed once
            records.setdefault((record.label, record.url), record)
    return sorted(records.values(), key=lambda record: record.label)


class ItemDetailView(ObjectDetailView):
    """One clause of the gap analysis: its status, evidence, actions and history; edited in place."""

    model = AssessmentItem
    template_name = "assessments/item_detail.html"

    def get_queryset(self) -> QuerySet[AssessmentItem]:
        return items_with_clauses(super().get_queryset()).select_related("assessment")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        item = self.object
        context.setdefault("form", ItemForm(instance=item, organisation=self.organisation))
        context.setdefault(
            "action_form",
            GapActionForm(
                organisation=self.organisation,
                initial={"title": f"Close gap: {item.clause.number} {item.clause.title}"[:200]},
            ),
        )
        context.setdefault("upload_form", EvidenceUploadForm())
        context["attachments"] = Attachment.objects.visible_to(self.request.user).filter(
            content_type=ContentType.objects.get_for_model(AssessmentItem), object_id=str(item.pk)
        )
        context["links"] = item.evidence_links.all()
        context["clause_records"] = clause_records(self.request.user, self.organisation, item)
        context["actions"] = (
            Action.objects.visible_to(self.request.user).raised_by(item).select_related("owner")
        )
        query = self.request.GET.get("q", "")
        context["link_query"] = query
        context["link_results"] = linking.search(self.request.user, self.organisation, query) if query else []
        context["can_manage"] = self.can(MANAGE)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can(WRITE):
            raise PermissionDenied("Viewers can read the gap analysis but not change it.")
        self.object = self.get_object()
        form = ItemForm(request.POST, instance=self.object, organisation=self.organisation)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.assessment_item_update(
                        item=AssessmentItem.objects.get(pk=self.object.pk),
                        version=form.cleaned_data["version"],
                        status=form.cleaned_data["status"],
                        notes=form.cleaned_data["notes"],
                        justification=form.cleaned_data.get("justification", ""),
                        owner=form.cleaned_data["owner"],
                        target_date=form.cleaned_data["target_date"],
                    )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Saved clause {self.object.clause.number}.")
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ItemActionCreateView(RaiseActionView):
    """Raise an action from a gap."""

    model = AssessmentItem
    form_class = GapActionForm
    refused = "The action was not created."

    def raise_action(self, record: AssessmentItem, data: dict[str, Any]) -> Action:
        return services.action_from_gap(item=record, created_by=self.request.user, **data)  # type: ignore[arg-type]

    def raised(self, action: Action, record: AssessmentItem) -> str:
        return f"{action.reference} raised for clause {record.clause.number}."


class ItemEvidenceUploadView(ObjectMixin, View):
    model = AssessmentItem
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.get_object()
        form = EvidenceUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "Choose a file to upload.")
            return redirect(item)
        try:
            attachment = attachment_add(to=item, upload=form.cleaned_data["file"], user=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, "The file was not attached. " + " ".join(error.messages))
            return redirect(item)
        messages.success(request, f"Attached {attachment.original_name}.")
        return redirect(item)


class ItemEvidenceLinkView(ObjectMixin, View):
    model = AssessmentItem
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.get_object()
        target = linking.resolve(
            request.POST.get("type", ""), request.POST.get("id", ""), request.user, self.organisation
        )
        if target is None:
            messages.error(request, "That record does not exist or is not visible to you.")
            return redirect(item)
        try:
            services.evidence_link_add(item=item, target=target)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Linked {target} as evidence.")
        return redirect(item)


class ItemEvidenceUnlinkView(ObjectMixin, View):
    model = EvidenceLink
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        link = self.get_object()
        item = link.item
        link.delete()
        messages.success(request, f"Removed the link to {link.label}.")
        return redirect(item)
