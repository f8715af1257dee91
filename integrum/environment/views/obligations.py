"""Compliance obligations (ISO 14001:2015 6.1.3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from integrum.actions.models import Action
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.relations import related_to
from integrum.core.tabular import RegisterImportView
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    OrganisationMixin,
    error_text,
    history_of,
)
from integrum.environment import services
from integrum.environment.filters import ObligationFilterSet
from integrum.environment.forms import ObligationForm
from integrum.environment.models import ComplianceEvaluation, ComplianceObligation
from integrum.environment.tabular import ObligationSpec
from integrum.environment.views.common import ExportMixin

TRANSITION_LABELS = {
    ComplianceObligation.Status.WITHDRAWN: "Withdraw",
    ComplianceObligation.Status.ACTIVE: "Reinstate",
}


class ObligationListView(ExportMixin, ObjectListView):
    model = ComplianceObligation
    filterset_class = ObligationFilterSet
    spec_class = ObligationSpec
    template_name = "environment/obligation_list.html"

    def get_queryset(self) -> QuerySet[ComplianceObligation]:
        return super().get_queryset().select_related("owner").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tabs"] = self.scoped(ComplianceObligation).aggregate(
            all=Count("pk"),
            active=Count("pk", filter=Q(status=ComplianceObligation.Status.ACTIVE)),
            legal=Count(
                "pk",
                filter=Q(status=ComplianceObligation.Status.ACTIVE, kind=ComplianceObligation.Kind.LEGAL),
            ),
        )
        context["can_write"] = self.can(WRITE)
        return context


class ObligationFormView(ObjectFormView):
    model = ComplianceObligation
    form_class = ObligationForm

    def get_queryset(self) -> QuerySet[ComplianceObligation]:
        return super().get_queryset().prefetch_related("sites")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            kwargs["initial"] = {"owner": self.request.user.pk}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.obligation_create(organisation=self.organisation, **fields)
        return services.obligation_update(
            obligation=ComplianceObligation.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            **fields,
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New compliance obligation"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("environment:obligation_list")

    def success_message(self, obj: Any) -> str:
        if self.object is None:
            return f"{obj.reference} registered; its first evaluation of compliance is scheduled."
        return f"Saved {obj.reference}."


class ObligationDetailView(ObjectDetailView):
    model = ComplianceObligation
    template_name = "environment/obligation_detail.html"

    def get_queryset(self) -> QuerySet[ComplianceObligation]:
        return super().get_queryset().select_related("owner", "origin__party").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obligation = self.object
        context["aspects"] = obligation.aspects.all()
        context["evaluations"] = (
            ComplianceEvaluation.objects.visible_to(self.request.user)
            .filter(obligation=obligation)
            .select_related("evaluator")[:50]
        )
        context["transitions"] = [
            (status, TRANSITION_LABELS[ComplianceObligation.Status(status)])
            for status in services.OBLIGATION_TRANSITIONS[obligation.status]
        ]
        context["can_manage"] = self.can(MANAGE)
        context["related"] = related_to(obligation, self.request.user)
        context["history"] = history_of(obligation)
        return context


class ObligationTransitionView(ObjectMixin, View):
    model = ComplianceObligation
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obligation = self.get_object()
        try:
            services.obligation_transition(obligation=obligation, to=request.POST.get("to", ""))
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, f"{obligation.reference} is now {obligation.get_status_display().lower()}."
            )
        return redirect(obligation)


class ObligationDeleteView(ObjectDeleteView):
    model = ComplianceObligation
    service = services.obligation_delete
    keyword = "obligation"
    list_url = "environment:obligation_list"


class ObligationImportView(RegisterImportView):
    spec_class = ObligationSpec
    back_url_name = "environment:obligation_list"


class ObligationFromRequirementView(OrganisationMixin, View):
    """POST: turn an interested party's adopted requirement into a compliance obligation."""

    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        from integrum.context.models import PartyRequirement

        requirement = (
            PartyRequirement.objects.visible_to(request.user)
            .filter(organisation=self.organisation, pk=pk)
            .select_related("party", "organisation")
            .first()
        )
        if requirement is None:
            raise Http404("No such requirement.")
        try:
            obligation = services.obligation_from_requirement(
                requirement=requirement,
                user=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            messages.error(request, f"No obligation was created. {error_text(error)}")
            return redirect(requirement.get_absolute_url())
        messages.success(
            request, f"{obligation.reference} created from the requirement. Complete its source and summary."
        )
        return redirect(obligation)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(status=405)


def raised_actions(user: Any, record: Any) -> QuerySet[Action]:
    return Action.objects.visible_to(user).raised_by(record).select_related("owner")
