"""Evaluation of compliance (ISO 14001:2015 9.1.2)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View

from integrum.actions.models import Action
from integrum.core.models import Attachment
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.services import attachment_add
from integrum.core.tabular import RegisterImportView
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    error_text,
    history_of,
)
from integrum.environment import services
from integrum.environment.filters import EvaluationFilterSet
from integrum.environment.forms import CompleteForm, EvaluationForm
from integrum.environment.models import ComplianceEvaluation, ComplianceObligation
from integrum.environment.tabular import EvaluationSpec
from integrum.environment.views.common import ExportMixin


class EvaluationListView(ExportMixin, ObjectListView):
    model = ComplianceEvaluation
    filterset_class = EvaluationFilterSet
    spec_class = EvaluationSpec
    template_name = "environment/evaluation_list.html"

    def get_queryset(self) -> QuerySet[ComplianceEvaluation]:
        return super().get_queryset().select_related("obligation", "evaluator")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scheduled = Q(
            status=ComplianceEvaluation.Status.SCHEDULED,
            obligation__status=ComplianceObligation.Status.ACTIVE,
        )
        context["tabs"] = self.scoped(ComplianceEvaluation).aggregate(
            scheduled=Count("pk", filter=scheduled),
            overdue=Count("pk", filter=scheduled & Q(due_date__lt=timezone.localdate())),
            failed=Count("pk", filter=Q(result__in=ComplianceEvaluation.FAILED_RESULTS)),
        )
        context["can_write"] = self.can(WRITE)
        return context


class EvaluationFormView(ObjectFormView):
    model = ComplianceEvaluation
    form_class = EvaluationForm

    def get_queryset(self) -> QuerySet[ComplianceEvaluation]:
        return super().get_queryset().select_related("obligation")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None and self.request.GET.get("obligation", "").isdigit():
            kwargs["initial"] = {"obligation": int(self.request.GET["obligation"])}
        return kwargs

    def save(self, form: Any) -> Any:
        data = form.cleaned_data
        if self.object is None:
            return services.evaluation_schedule(
                obligation=data["obligation"], due_date=data["due_date"], evaluator=data["evaluator"]
            )
        return services.evaluation_update(
            evaluation=ComplianceEvaluation.objects.get(pk=self.object.pk),
            version=data["version"],
            due_date=data["due_date"],
            evaluator=data["evaluator"],
            notes=data["notes"],
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "Schedule an evaluation of compliance"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("environment:evaluation_list")


class EvaluationDetailView(ObjectDetailView):
    model = ComplianceEvaluation
    template_name = "environment/evaluation_detail.html"

    def get_queryset(self) -> QuerySet[ComplianceEvaluation]:
        return super().get_queryset().select_related("obligation__owner", "evaluator")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        evaluation = self.object
        if evaluation.status == ComplianceEvaluation.Status.SCHEDULED and self.can(WRITE):
            context["complete_form"] = kwargs.get("complete_form") or CompleteForm(
                organisation=self.organisation,
                initial={
                    "evaluated_on": timezone.localdate(),
                    "evaluator": evaluation.evaluator_id or self.request.user.pk,
                },
            )
        context["attachments"] = Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(ComplianceEvaluation), object_id=str(evaluation.pk)
        ).select_related("uploaded_by")
        context["actions"] = (
            Action.objects.visible_to(self.request.user).raised_by(evaluation).select_related("owner")
        )
        context["can_manage"] = self.can(MANAGE)
        context["history"] = history_of(evaluation)
        return context


class EvaluationCompleteView(ObjectMixin, View):
    model = ComplianceEvaluation
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evaluation = self.get_object()
        form = CompleteForm(request.POST, request.FILES, organisation=self.organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    evaluation = services.evaluation_complete(
                        evaluation=evaluation,
                        result=data["result"],
                        evidence=data["evidence"],
                        evaluated_on=data["evaluated_on"],
                        evaluator=data["evaluator"],
                        user=request.user,  # type: ignore[arg-type]
                    )
                    for upload in request.FILES.getlist("attachment"):
                        attachment_add(to=evaluation, upload=upload, user=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error("attachment" if request.FILES else None, error_text(error))
            else:
                text = f"{evaluation.reference} completed: {evaluation.get_result_display().lower()}."
                if evaluation.failed:
                    text += " An action to restore compliance was raised for the obligation's owner."
                if evaluation.next_due_date:
                    text += f" Next evaluation due {evaluation.next_due_date:%-d %b %Y}."
                messages.success(request, text)
                return redirect(evaluation)
        view = EvaluationDetailView()
        view.setup(request, pk=pk)
        view.object = evaluation
        messages.error(request, "The evaluation was not recorded: see the problems below.")
        return view.render_to_response(view.get_context_data(complete_form=form), status=400)


class EvaluationDeleteView(ObjectDeleteView):
    model = ComplianceEvaluation
    service = services.evaluation_delete
    keyword = "evaluation"
    list_url = "environment:evaluation_list"


class EvaluationImportView(RegisterImportView):
    spec_class = EvaluationSpec
    back_url_name = "environment:evaluation_list"
