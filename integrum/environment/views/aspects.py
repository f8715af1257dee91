"""Environmental aspects and impacts (ISO 14001:2015 6.1.2): the register, the significant aspects,
scoring, and the significance method."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from integrum.actions.models import Action
from integrum.core.models import StaleEdit
from integrum.core.permissions import ADMINISTER, MANAGE, WRITE
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
from integrum.environment.filters import AspectFilterSet
from integrum.environment.forms import AspectForm, MethodForm, ScoreForm
from integrum.environment.models import Aspect, AspectAssessment, SignificanceMethod
from integrum.environment.tabular import AspectSpec
from integrum.environment.views.common import ExportMixin


class AspectListView(ExportMixin, ObjectListView):
    model = Aspect
    filterset_class = AspectFilterSet
    spec_class = AspectSpec
    template_name = "environment/aspect_list.html"
    significant_only = False

    def get_queryset(self) -> QuerySet[Aspect]:
        queryset = super().get_queryset().select_related("owner").prefetch_related("sites")
        if self.significant_only:
            queryset = queryset.filter(significant=True)
        return queryset

    def export_queryset(self) -> QuerySet[Aspect]:
        return self.get_queryset().prefetch_related("obligations")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tabs"] = self.scoped(Aspect).aggregate(
            all=Count("pk"),
            significant=Count("pk", filter=Q(significant=True)),
            unscored=Count("pk", filter=Q(assessed_at__isnull=True)),
        )
        context["can_write"] = self.can(WRITE)
        context["significant_only"] = self.significant_only
        context["method"] = SignificanceMethod.objects.filter(
            organisation=self.organisation, is_current=True
        ).first()
        return context


class SignificantAspectListView(AspectListView):
    """The documented list of significant aspects (6.1.2), printable."""

    significant_only = True
    paginate_by = 500
    template_name = "environment/aspect_significant.html"


class AspectFormView(ObjectFormView):
    model = Aspect
    form_class = AspectForm

    def get_queryset(self) -> QuerySet[Aspect]:
        return super().get_queryset().prefetch_related("sites", "obligations")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            kwargs["initial"] = {"owner": self.request.user.pk}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.aspect_create(organisation=self.organisation, **fields)
        return services.aspect_update(
            instance=Aspect.objects.get(pk=self.object.pk), version=form.cleaned_data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New environmental aspect"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("environment:aspect_list")

    def success_message(self, obj: Any) -> str:
        if self.object is None:
            return f"{obj.reference} registered. Score it to decide whether it is significant."
        return f"Saved {obj.reference}."


class AspectDetailView(ObjectDetailView):
    model = Aspect
    template_name = "environment/aspect_detail.html"

    def get_queryset(self) -> QuerySet[Aspect]:
        return super().get_queryset().select_related("owner").prefetch_related("sites", "obligations")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        aspect = self.object
        assessments = list(
            AspectAssessment.objects.filter(aspect=aspect).select_related("method", "assessed_by")[:50]
        )
        for assessment in assessments:
            assessment.score_rows = [
                (c["label"], assessment.scores.get(c["key"])) for c in assessment.method.criteria
            ]
        context["assessments"] = assessments
        context["method"] = services.significance_method_current(self.organisation)
        if self.can(WRITE):
            latest = assessments[0] if assessments else None
            initial = {}
            if latest is not None:
                initial = {f"score_{key}": value for key, value in latest.scores.items()}
            context["score_form"] = kwargs.get("score_form") or ScoreForm(
                method=context["method"], initial=initial
            )
        context["actions"] = (
            Action.objects.visible_to(self.request.user).raised_by(aspect).select_related("owner")
        )
        context["related"] = related_to(aspect, self.request.user)
        context["can_manage"] = self.can(MANAGE)
        context["history"] = history_of(aspect)
        return context


class AspectScoreView(ObjectMixin, View):
    """Score the aspect with the organisation's current method; earlier scores stay in history."""

    model = Aspect
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        aspect = self.get_object()
        method = services.significance_method_current(self.organisation)
        form = ScoreForm(request.POST, method=method)
        if form.is_valid():
            try:
                assessment = services.aspect_score(
                    aspect,
                    scores=form.scores(),
                    method=method,
                    user=request.user,  # type: ignore[arg-type]
                    manual_significant=form.manual(),
                    manual_reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                messages.error(request, f"The aspect was not scored. {error_text(error)}")
                return redirect(aspect)
            verdict = "significant" if assessment.significant else "not significant"
            messages.success(
                request, f"{aspect.reference} scored {assessment.total.normalize():f}: {verdict}."
            )
            return redirect(aspect)
        view = AspectDetailView()
        view.setup(request, pk=pk)
        view.object = aspect
        context = view.get_context_data(score_form=form)
        messages.error(request, "The aspect was not scored: correct the scores below.")
        return view.render_to_response(context, status=400)


class AspectDeleteView(ObjectDeleteView):
    model = Aspect
    service = services.aspect_delete
    keyword = "aspect"
    list_url = "environment:aspect_list"


class AspectImportView(RegisterImportView):
    spec_class = AspectSpec
    back_url_name = "environment:aspect_list"


# --- Significance method ---------------------------------------------------------------------


class MethodDetailView(OrganisationMixin, TemplateView):
    """The method in force and its earlier versions."""

    template_name = "environment/method_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        current = services.significance_method_current(self.organisation)
        pk = self.kwargs.get("pk")
        method = get_object_or_404(self.scoped(SignificanceMethod), pk=pk) if pk else current
        context.update(
            method=method,
            current=current,
            versions=self.scoped(SignificanceMethod).select_related("created_by"),
            can_administer=self.can(ADMINISTER),
            history=history_of(method),
        )
        return context


class MethodReviseView(OrganisationMixin, TemplateView):
    """Administrators write the next version of the method."""

    template_name = "generic/object_form.html"
    required_role = ADMINISTER

    def render_form(self, form: MethodForm, status: int = 200) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(
                form=form,
                title="New version of the significance method",
                cancel_url=reverse("environment:method_current"),
            ),
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        current = services.significance_method_current(self.organisation)
        initial = {
            "name": current.name,
            "description": current.description,
            "criteria": MethodForm.criteria_text(current),
            "aggregation": current.aggregation,
            "threshold": current.threshold.normalize(),
            "obligation_override": current.obligation_override,
            "emergency_criterion": current.emergency_criterion,
            "emergency_min": current.emergency_min,
            "based_on": current.revision,
        }
        return self.render_form(MethodForm(initial=initial))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MethodForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            based_on = data.pop("based_on")
            try:
                method = services.significance_method_revise(
                    organisation=self.organisation,
                    user=request.user,  # type: ignore[arg-type]
                    based_on_revision=based_on,
                    **data,
                )
            except (ValidationError, StaleEdit) as error:
                if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(
                        None, error_text(error) if isinstance(error, ValidationError) else str(error)
                    )
            else:
                messages.success(
                    request,
                    f"Version {method.revision} of the method is in force; aspects scored before keep their version.",
                )
                return redirect("environment:method_current")
        return self.render_form(form, status=400)
