"""Risk register pages: the list with its heat maps, a risk, its form, its workflow, its treatment
actions, import/export, and the matrix an administrator configures (ISO 9001/14001 6.1)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from integrum.actions.forms import RaiseActionForm
from integrum.actions.models import Action
from integrum.actions.views import RaiseActionView
from integrum.core.models import StaleEdit
from integrum.core.permissions import ADMINISTER, MANAGE, WRITE
from integrum.core.relations import related_to
from integrum.core.tabular import RegisterImportView, export_response
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
from integrum.risks import services
from integrum.risks.filters import RiskFilterSet
from integrum.risks.forms import RiskForm, RiskMatrixForm, TransitionForm
from integrum.risks.heatmap import heat_map
from integrum.risks.models import Risk, RiskMatrix
from integrum.risks.tabular import RiskSpec
from integrum.standards.services import clauses_of


def cell_counts(queryset: QuerySet[Risk], which: str) -> dict[tuple[int, int], int]:
    """How many risks sit in each cell of the inherent or residual grid (one query)."""
    likelihood, consequence = f"{which}_likelihood", f"{which}_consequence"
    rows = (
        queryset.order_by()
        .filter(**{f"{likelihood}__isnull": False, f"{consequence}__isnull": False})
        .values_list(likelihood, consequence)
        .annotate(n=Count("pk"))
    )
    return {(l_value, c_value): n for l_value, c_value, n in rows}


class RiskListView(ObjectListView):
    model = Risk
    filterset_class = RiskFilterSet
    template_name = "risks/risk_list.html"

    def get_queryset(self) -> QuerySet[Risk]:
        return super().get_queryset().select_related("owner", "matrix")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") in ("xlsx", "csv"):
            return self.export(request.GET["export"])
        return super().get(request, *args, **kwargs)

    def filtered(self) -> QuerySet[Risk]:
        filterset = RiskFilterSet(self.request.GET, queryset=self.get_queryset(), request=self.request)
        return filterset.qs if filterset.is_valid() else Risk.objects.none()

    def export(self, fmt: str) -> HttpResponse:
        rows = self.filtered().prefetch_related("standards", "source").iterator(chunk_size=2000)
        return export_response(RiskSpec(), rows, fmt)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        filtered = filterset.qs if filterset.is_valid() else Risk.objects.none()
        matrix = services.risk_matrix_current(self.organisation)
        today = timezone.localdate()
        context["tabs"] = self.scoped(Risk).aggregate(
            open=Count("pk", filter=Q(status=Risk.Status.OPEN)),
            treated=Count("pk", filter=Q(status=Risk.Status.TREATED)),
            review_due=Count("pk", filter=~Q(status=Risk.Status.CLOSED) & Q(review_date__lte=today)),
        )
        query = dict(self.request.GET.lists())
        list_url = reverse("risks:risk_list")
        context["matrix"] = matrix
        context["heat_maps"] = [
            heat_map(matrix, cell_counts(filtered, which), which, query, list_url)
            for which in ("inherent", "residual")
        ]
        cell = [self.request.GET.get(name) for name in ("inherent_likelihood", "inherent_consequence")]
        residual_cell = [
            self.request.GET.get(name) for name in ("residual_likelihood", "residual_consequence")
        ]
        context["cell_filter"] = (
            f"inherent cell likelihood {cell[0]} × consequence {cell[1]}"
            if all(cell)
            else f"residual cell likelihood {residual_cell[0]} × consequence {residual_cell[1]}"
            if all(residual_cell)
            else ""
        )
        context["can_write"] = self.can(WRITE)
        context["can_administer"] = self.can(ADMINISTER)
        context["today"] = today
        return context


class RiskDetailView(ObjectDetailView):
    model = Risk
    template_name = "risks/risk_detail.html"

    def get_queryset(self) -> QuerySet[Risk]:
        return (
            super()
            .get_queryset()
            .select_related("owner", "created_by", "matrix", "source_type")
            .prefetch_related("standards")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        risk = self.object
        context["transitions"] = [
            (status, services.TRANSITION_LABELS[Risk.Status(status)])
            for status in services.allowed_transitions(risk)
        ]
        source = risk.source if risk.source_type_id else None
        visible = getattr(type(source).objects, "visible_to", None) if source is not None else None
        if (
            source is not None
            and visible is not None
            and not visible(self.request.user).filter(pk=source.pk).exists()
        ):
            source = None
        context["source"] = source
        context["source_missing"] = risk.source_type_id is not None and source is None
        context["actions"] = (
            Action.objects.visible_to(self.request.user)
            .raised_by(risk)
            .select_related("owner")
            .order_by("-number")
        )
        context["action_form"] = RaiseActionForm(organisation=self.organisation)
        context["clauses"] = clauses_of(risk)
        context["current_matrix"] = services.risk_matrix_current(self.organisation)
        context["related"] = related_to(risk, self.request.user)
        context["can_manage"] = self.can(MANAGE)
        return context


class RiskFormView(ObjectFormView):
    model = Risk
    form_class = RiskForm
    template_name = "risks/risk_form.html"

    def get_queryset(self) -> QuerySet[Risk]:
        return super().get_queryset().prefetch_related("standards")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object is None:
            kwargs["initial"] = {"owner": self.request.user.pk, "source": self.request.GET.get("source", "")}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.risk_create(
                organisation=self.organisation,
                created_by=self.request.user,  # type: ignore[arg-type]
                **fields,
            )
        return services.risk_update(
            risk=Risk.objects.get(pk=self.object.pk), version=form.cleaned_data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New risk or opportunity"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("risks:risk_list")

    def success_message(self, obj: Any) -> str:
        return f"{'Saved' if self.object else 'Registered'} {obj.reference}."


class RiskTransitionView(ObjectMixin, View):
    required_role = WRITE
    model = Risk

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        risk = self.get_object()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status to move the risk to.")
            return redirect(risk)
        try:
            services.risk_transition(risk=risk, to=form.cleaned_data["to"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        except StaleEdit as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{risk.reference} is now {risk.get_status_display().lower()}.")
        return redirect(risk)


class RiskDeleteView(ObjectDeleteView):
    model = Risk
    service = services.risk_delete
    keyword = "risk"
    list_url = "risks:risk_list"


class RiskActionCreateView(RaiseActionView):
    """Raise a treatment action in the action tracker from the risk's page."""

    model = Risk

    def raise_action(self, record: Risk, data: dict[str, Any]) -> Action:
        return services.risk_action_raise(risk=record, created_by=self.request.user, **data)  # type: ignore[arg-type]

    def raised(self, action: Action, record: Risk) -> str:
        return f"{action.reference} raised to treat {record.reference}."


class RiskImportView(RegisterImportView):
    spec_class = RiskSpec
    back_url_name = "risks:risk_list"


class RiskMatrixView(OrganisationMixin, TemplateView):
    """The matrix in force and its earlier versions; administrators put a new version in force."""

    template_name = "risks/matrix.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        matrix = services.risk_matrix_current(self.organisation)
        context["matrix"] = matrix
        context["versions"] = (
            RiskMatrix.objects.visible_to(self.request.user)
            .filter(organisation=self.organisation)
            .select_related("created_by")
        )
        context["can_administer"] = self.can(ADMINISTER)
        context["grid"] = heat_map(matrix, {}, "inherent", {}, reverse("risks:risk_list"))
        if "form" not in context and context["can_administer"]:
            context["form"] = RiskMatrixForm(initial=RiskMatrixForm.initial_for(matrix))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.can(ADMINISTER):
            raise PermissionDenied("Only administrators change the risk matrix.")
        form = RiskMatrixForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                matrix = services.risk_matrix_change(
                    organisation=self.organisation,
                    size=data["size"],
                    likelihood_labels=data["likelihood_labels"],
                    consequence_labels=data["consequence_labels"],
                    bands=data["bands"],
                    based_on=data["based_on"],
                    note=data["note"],
                    created_by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    f"Matrix version {matrix.number} is now in force. Risks keep the version they were "
                    "scored on until they are edited.",
                )
                return redirect("risks:matrix")
        return self.render_to_response(self.get_context_data(form=form), status=400)
