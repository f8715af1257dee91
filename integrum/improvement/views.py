"""Nonconformity and corrective action pages (ISO 9001/14001 10.2): the list with its tabs and
export, the full form, the quick report, and the record with its analysis, actions,
effectiveness check, closure and status history."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from integrum.actions.models import Action
from integrum.actions.views import RaiseActionView
from integrum.audits.models import Finding
from integrum.context.models import Process
from integrum.core.exports import xlsx_response
from integrum.core.models import Attachment, ObjectChange, Site, StaleEdit
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    OrganisationMixin,
    apply_validation_error,
    error_text,
)
from integrum.environment.models import ComplianceEvaluation
from integrum.improvement import services
from integrum.improvement.filters import NonconformityFilterSet
from integrum.improvement.forms import (
    ActionForm,
    AnalysisForm,
    CauseForm,
    EffectivenessForm,
    NonconformityForm,
    NonconformityUpdateForm,
    ReasonForm,
    ReportForm,
    SignedCloseForm,
    TriageForm,
    VerificationForm,
)
from integrum.improvement.models import Cause, CauseEntry, Nonconformity
from integrum.improvement.similar import similar_to

NC = Nonconformity
S = Nonconformity.Status

STATUS_CSS: dict[str, str] = {
    S.REPORTED: "badge--due",
    S.OPEN: "badge--danger",
    S.ACTION: "badge--progress",
    S.VERIFICATION: "badge--due",
    S.CLOSED: "badge--done",
    S.REJECTED: "badge--muted",
}

EXPORT_HEADERS = [
    "Reference",
    "Title",
    "Status",
    "Source",
    "Severity",
    "Site",
    "Owner",
    "Found on",
    "Root cause category",
    "Effectiveness due",
    "Effectiveness",
    "Closed on",
]


def own_sites(request: HttpRequest) -> QuerySet[Site]:
    """The sites the member may record on: those their membership names, else every site."""
    membership = request.membership  # type: ignore[attr-defined]
    sites = Site.objects.filter(organisation=request.organisation).order_by("code")  # type: ignore[attr-defined]
    return sites.filter(pk__in=membership.site_ids) if membership.site_ids else sites


def _list_queryset(view: OrganisationMixin) -> QuerySet[NC]:
    return view.scoped(Nonconformity).select_related("owner", "site")


class NonconformityListView(ObjectListView):
    model = Nonconformity
    filterset_class = NonconformityFilterSet
    template_name = "improvement/nc_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[NC]:
        return _list_queryset(self)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self) -> HttpResponse:
        filterset = NonconformityFilterSet(
            self.request.GET, queryset=self.get_queryset(), request=self.request
        )
        queryset = filterset.qs if filterset.is_valid() else Nonconformity.objects.none()
        rows = (
            (
                nc.reference,
                nc.title,
                nc.get_status_display(),
                nc.get_source_display(),
                nc.get_severity_display(),
                nc.site.code if nc.site else "",
                str(nc.owner) if nc.owner else "",
                nc.detected_on,
                nc.get_cause_category_display(),
                nc.effectiveness_due,
                nc.get_effectiveness_display() if nc.effectiveness else "",
                timezone.localtime(nc.closed_at).date() if nc.closed_at else None,
            )
            for nc in queryset.iterator(chunk_size=2000)
        )
        return xlsx_response("nonconformities", EXPORT_HEADERS, rows, title="Nonconformities")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        # Only open ones are counted: reading them through the status index skips the closed history.
        context["counts"] = (
            self.scoped(Nonconformity)
            .filter(status__in=NC.OPEN_STATUSES)
            .aggregate(
                open=Count("pk"),
                reported=Count("pk", filter=Q(status=S.REPORTED)),
                verification_due=Count("pk", filter=Q(status=S.VERIFICATION, effectiveness_due__lte=today)),
            )
        )
        context["can_write"] = self.can(WRITE)
        context["status_css"] = STATUS_CSS
        context["today"] = today
        return context


def _prefill(request: HttpRequest, organisation: Any, user: Any) -> dict[str, Any]:
    """Initial values of the full form from `?finding=`, `?evaluation=` or `?process=`."""
    initial: dict[str, Any] = {"detected_on": timezone.localdate()}
    raw = {name: request.GET.get(name, "") for name in ("finding", "evaluation", "process")}
    if raw["finding"].isdigit():
        finding = (
            Finding.objects.visible_to(user)
            .filter(organisation=organisation, pk=raw["finding"])
            .select_related("audit", "clause")
            .first()
        )
        if finding is not None:
            grade = services.GRADE_SEVERITY.get(finding.grade, "")
            initial.update(
                source=NC.Source.FINDING,
                finding=finding.pk,
                title=f"{finding.get_grade_display()} against {finding.clause.number}"[:200],
                description=finding.statement,
                site=finding.site_id,
                process=finding.process_id,
                severity=grade,
            )
    elif raw["evaluation"].isdigit():
        evaluation = (
            ComplianceEvaluation.objects.visible_to(user)
            .filter(organisation=organisation, pk=raw["evaluation"])
            .select_related("obligation")
            .first()
        )
        if evaluation is not None:
            initial.update(
                source=NC.Source.COMPLIANCE,
                evaluation=evaluation.pk,
                title=f"{evaluation.get_result_display() or 'Not compliant'} with {evaluation.obligation}"[
                    :200
                ],
                description=evaluation.evidence,
                owner=evaluation.obligation.owner_id,
            )
    elif raw["process"].isdigit():
        process = (
            Process.objects.visible_to(user).filter(organisation=organisation, pk=raw["process"]).first()
        )
        if process is not None:
            initial.update(source=NC.Source.PROCESS, process=process.pk, owner=process.owner_id)
    return initial


class NonconformityCreateView(ObjectFormView):
    model = Nonconformity
    form_class = NonconformityForm
    title = "New nonconformity"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["initial"] = _prefill(self.request, self.organisation, self.request.user)
        kwargs["sites"] = own_sites(self.request)
        return kwargs

    def save(self, form: Any) -> Any:
        return services.nc_create(
            organisation=self.organisation,
            user=self.request.user,  # type: ignore[arg-type]
            **form.service_fields(),
        )

    def cancel_url(self) -> str:
        return reverse("improvement:nc_list")

    def success_message(self, obj: Any) -> str:
        return f"{obj.reference} raised. Analyse its root cause and plan corrective actions on its page."


class NonconformityUpdateView(ObjectFormView):
    model = Nonconformity
    form_class = NonconformityUpdateForm

    def get_queryset(self) -> QuerySet[NC]:
        return super().get_queryset().prefetch_related("risks")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "sites": own_sites(self.request)}

    def save(self, form: Any) -> Any:
        return services.nc_update(
            nc=Nonconformity.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            **form.service_fields(),
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}"

    def success_message(self, obj: Any) -> str:
        return f"Saved {obj.reference}."


class ReportView(OrganisationMixin, View):
    """The quick report: anyone who writes, a few fields, triaged later by a manager."""

    required_role = WRITE
    template_name = "improvement/nc_report.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        sites = own_sites(request)
        initial: dict[str, Any] = {"detected_on": timezone.localdate()}
        if len(sites) == 1:
            initial["site"] = sites[0].pk
        form = ReportForm(organisation=self.organisation, sites=sites, initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReportForm(
            request.POST, request.FILES, organisation=self.organisation, sites=own_sites(request)
        )
        if form.is_valid():
            try:
                nc = services.nc_report(
                    organisation=self.organisation,
                    user=request.user,  # type: ignore[arg-type]
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Thank you: {nc.reference} is reported and will be triaged.")
                return redirect(nc)
        return render(request, self.template_name, {"form": form}, status=400)


class NonconformityDetailView(ObjectDetailView):
    model = Nonconformity
    template_name = "improvement/nc_detail.html"

    def get_queryset(self) -> QuerySet[NC]:
        return (
            super()
            .get_queryset()
            .select_related(
                "owner",
                "site",
                "reported_by",
                "closed_by",
                "effectiveness_checked_by",
                "finding__audit",
                "finding__clause",
                "evaluation__obligation",
                "process",
            )
            .prefetch_related("risks")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        nc: Nonconformity = self.object
        user = self.request.user
        causes = list(nc.causes.all())
        fishbone: OrderedDict[str, list[CauseEntry]] = OrderedDict(
            (str(label), []) for value, label in Cause.choices
        )
        labels = dict(Cause.choices)
        for entry in causes:
            if entry.method == CauseEntry.Method.FISHBONE:
                fishbone[str(labels[entry.category])].append(entry)
        steps = services.allowed_steps(nc, user)
        organisation = self.organisation
        context.update(
            whys=[entry for entry in causes if entry.method == CauseEntry.Method.FIVE_WHYS],
            fishbone=[(label, entries) for label, entries in fishbone.items() if entries],
            actions=list(
                Action.objects.visible_to(user).raised_by(nc).select_related("owner").order_by("number")
            ),
            similar=similar_to(nc, user) if nc.status in (S.REPORTED, S.OPEN, S.ACTION) else None,
            status_history=ObjectChange.objects.for_object(nc)
            .filter(action__in=[ObjectChange.Action.TRANSITION, ObjectChange.Action.SIGNATURE])
            .order_by("time", "id"),
            attachments=Attachment.objects.filter(
                content_type=ContentType.objects.get_for_model(Nonconformity), object_id=str(nc.pk)
            ),
            steps=steps,
            editable=nc.status not in (S.CLOSED, S.REJECTED),
            can_add_actions=nc.status in (S.OPEN, S.ACTION),
            can_manage=self.can(MANAGE),
            status_css=STATUS_CSS.get(nc.status, ""),
            triage_form=TriageForm(organisation=organisation, initial={"owner": nc.owner_id}),
            reason_form=ReasonForm(),
            verification_form=VerificationForm(),
            effectiveness_form=EffectivenessForm(),
            close_form=SignedCloseForm(),
            analysis_form=AnalysisForm(
                initial={
                    "root_cause": nc.root_cause,
                    "cause_category": nc.cause_category,
                    "similar": nc.similar,
                    "similar_note": nc.similar_note,
                    "version": nc.version,
                }
            ),
            cause_form=CauseForm(),
            action_form=ActionForm(organisation=organisation),
            today=timezone.localdate(),
        )
        return context


class NonconformityDeleteView(ObjectDeleteView):
    model = Nonconformity
    service = services.nc_delete
    keyword = "nc"
    list_url = "improvement:nc_list"


class StepView(ObjectMixin, View):
    """POST one step of the life cycle with its small form; a refusal is shown on the record."""

    model = Nonconformity
    step: ClassVar[str]
    form_class: ClassVar[type[Form] | None] = None
    done: ClassVar[str]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.required_role = services.STEP_ROLES[self.step]  # type: ignore[misc]
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, request: HttpRequest) -> Form | None:
        if self.form_class is None:
            return None
        if self.form_class is TriageForm:
            return TriageForm(request.POST, organisation=self.organisation)
        return self.form_class(request.POST)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = self.get_object()
        form = self.make_form(request)
        if form is not None and not form.is_valid():
            problems = "; ".join(" ".join(str(e) for e in errors) for errors in form.errors.values())
            messages.error(request, f"{services.STEP_LABELS[self.step]}: nothing changed. {problems}")
            return redirect(nc)
        data = dict(form.cleaned_data) if form is not None else {}
        try:
            nc = self.run(nc, data)
        except ValidationError as error:
            messages.error(
                request, f"{services.STEP_LABELS[self.step]}: nothing changed. {error_text(error)}"
            )
        else:
            messages.success(request, f"{nc.reference}: {self.done} Now {nc.get_status_display().lower()}.")
        return redirect(nc)

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        raise NotImplementedError


class TriageView(StepView):
    step = "triage"
    form_class = TriageForm
    done = "triaged."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_triage(nc=nc, user=self.request.user, **data)  # type: ignore[arg-type]


class RejectView(StepView):
    step = "reject"
    form_class = ReasonForm
    done = "rejected."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_reject(nc=nc, user=self.request.user, reason=data["reason"])  # type: ignore[arg-type]


class StartActionsView(StepView):
    step = "start_actions"
    done = "corrective action started."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_start_actions(nc=nc, user=self.request.user)  # type: ignore[arg-type]


class RequestVerificationView(StepView):
    step = "request_verification"
    form_class = VerificationForm
    done = "effectiveness check planned."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_request_verification(
            nc=nc,
            effectiveness_due=data.get("effectiveness_due"),
            user=self.request.user,  # type: ignore[arg-type]
        )


class RecordEffectivenessView(StepView):
    step = "record_effectiveness"
    form_class = EffectivenessForm
    done = "effectiveness recorded."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_record_effectiveness(nc=nc, user=self.request.user, **data)  # type: ignore[arg-type]


class CloseSignedView(StepView):
    step = "close_signed"
    form_class = SignedCloseForm
    done = "closed with your signature."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_close_signed(nc=nc, user=self.request.user, **data)  # type: ignore[arg-type]


class ReopenView(StepView):
    step = "reopen"
    form_class = ReasonForm
    done = "reopened."

    def run(self, nc: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return services.nc_reopen(nc=nc, user=self.request.user, reason=data["reason"])  # type: ignore[arg-type]


class AnalysisView(ObjectMixin, View):
    """Record the root cause, its category and whether similar nonconformities exist."""

    model = Nonconformity
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = self.get_object()
        form = AnalysisForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The analysis was not saved: check the fields.")
            return redirect(nc)
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            with transaction.atomic():
                services.nc_update(nc=nc, version=version, **data)
        except StaleEdit as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, f"The analysis was not saved. {error_text(error)}")
        else:
            messages.success(request, f"Analysis of {nc.reference} saved.")
        return redirect(nc)


class CauseAddView(ObjectMixin, View):
    model = Nonconformity
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        nc = self.get_object()
        form = CauseForm(request.POST)
        if not form.is_valid():
            messages.error(request, "No cause was added: write the cause and choose the method.")
            return redirect(nc)
        try:
            services.cause_add(nc=nc, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, f"No cause was added. {error_text(error)}")
        else:
            messages.success(request, "Cause added.")
        return redirect(reverse("improvement:nc_detail", args=[nc.pk]) + "#analysis")


class CauseDeleteView(ObjectMixin, View):
    model = Nonconformity
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int, cause_pk: int) -> HttpResponse:
        nc = self.get_object()
        entry = get_object_or_404(CauseEntry.objects.filter(nonconformity=nc), pk=cause_pk)
        try:
            services.cause_delete(entry=entry)
        except ValidationError as error:
            messages.error(request, f"The cause was not removed. {error_text(error)}")
        else:
            messages.success(request, "Cause removed.")
        return redirect(reverse("improvement:nc_detail", args=[nc.pk]) + "#analysis")


class ActionCreateView(RaiseActionView):
    """Add a corrective action to the tracker from the nonconformity's page."""

    model = Nonconformity
    form_class = ActionForm
    refused = "No action was added."

    def raise_action(self, record: Nonconformity, data: dict[str, Any]) -> Action:
        return services.nc_action_create(nc=record, created_by=self.request.user, **data)  # type: ignore[arg-type]

    def raised(self, action: Action, record: Nonconformity) -> str:
        return f"{action.reference} added to {record.reference}."

    def return_url(self, record: Nonconformity) -> str:
        return reverse("improvement:nc_detail", args=[record.pk]) + "#actions"
