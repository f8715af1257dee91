"""Interested parties and their needs and expectations (clause 4.2)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.views import View

from integrum.context import services
from integrum.context.filters import InterestedPartyFilterSet
from integrum.context.forms import InterestedPartyForm, PartyRequirementForm
from integrum.context.models import InterestedParty, PartyRequirement
from integrum.context.tabular import InterestedPartySpec
from integrum.context.views.common import RegisterDetailView, RegisterListView
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.relations import related_to
from integrum.core.tabular import RegisterImportView
from integrum.core.views import ObjectDeleteView, ObjectFormView, ObjectMixin, error_text


def obligation_url(requirement: PartyRequirement) -> str:
    """Where the environment app turns a requirement into a compliance obligation ("" if not installed)."""
    try:
        return reverse("environment:obligation_from_requirement", args=[requirement.pk])
    except NoReverseMatch:
        try:
            return reverse("environment:obligation_from_requirement")
        except NoReverseMatch:
            return ""


def has_obligation(requirement: PartyRequirement, user: Any) -> bool:
    """The environment app relates its obligations to the requirement they came from."""
    return any("obligation" in related.label.lower() for related in related_to(requirement, user))


def requirement_count(**conditions: Any) -> Coalesce:
    counted = (
        PartyRequirement.objects.filter(party=OuterRef("pk"), **conditions)
        .order_by()
        .values("party")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class PartyListView(RegisterListView):
    model = InterestedParty
    filterset_class = InterestedPartyFilterSet
    template_name = "context/party_list.html"
    spec_class = InterestedPartySpec

    def get_queryset(self) -> QuerySet[InterestedParty]:
        return (
            super()
            .get_queryset()
            .prefetch_related("standards")
            # Counted per row shown (correlated subqueries), not by grouping every party's
            # requirements before the page is cut: the list stays fast at any size.
            .annotate(
                requirement_count=requirement_count(),
                adopted_count=requirement_count(adopted=True),
            )
        )


class PartyDetailView(RegisterDetailView):
    model = InterestedParty
    template_name = "context/party_detail.html"

    def get_queryset(self) -> QuerySet[InterestedParty]:
        return super().get_queryset().prefetch_related("standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_write = self.can(WRITE)
        rows = []
        for requirement in self.object.requirements.all():
            url = ""
            # Only adopted requirements marked as obligations are asked about (one provider call each).
            if can_write and requirement.adopted and requirement.becomes_obligation:
                url = "" if has_obligation(requirement, user) else obligation_url(requirement)
            rows.append((requirement, url))
        context["requirements"] = rows
        context["requirement_form"] = kwargs.get("requirement_form") or PartyRequirementForm(
            organisation=self.organisation
        )
        return context


class PartyFormView(ObjectFormView):
    model = InterestedParty
    form_class = InterestedPartyForm

    def save(self, form: Any) -> Any:
        if self.object is None:
            return services.interested_party_create(organisation=self.organisation, **form.service_fields())
        return services.interested_party_update(
            party=InterestedParty.objects.get(pk=self.object.pk), **form.service_fields()
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New interested party"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("context:party_list")


class PartyDeleteView(ObjectDeleteView):
    model = InterestedParty
    service = services.interested_party_delete
    keyword = "party"
    list_url = "context:party_list"


class PartyImportView(RegisterImportView):
    spec_class = InterestedPartySpec
    back_url_name = "context:party_list"


class RequirementCreateView(ObjectMixin, View):
    """Add a need or expectation from the party's page."""

    model = InterestedParty
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        party = self.get_object()
        form = PartyRequirementForm(request.POST, organisation=self.organisation)
        if form.is_valid():
            try:
                services.party_requirement_create(party=party, **form.service_fields())
            except ValidationError as error:
                messages.error(request, f"The requirement was not added. {error_text(error)}")
            else:
                messages.success(request, "Requirement added.")
            return redirect(party)
        view = PartyDetailView()
        view.setup(request, pk=party.pk)
        view.object = party
        return view.render_to_response(view.get_context_data(requirement_form=form), status=400)


class RequirementFormView(ObjectFormView):
    model = PartyRequirement
    form_class = PartyRequirementForm

    def get_queryset(self) -> QuerySet[PartyRequirement]:
        return super().get_queryset().select_related("party")

    def save(self, form: Any) -> Any:
        return services.party_requirement_update(
            requirement=PartyRequirement.objects.get(pk=self.object.pk), **form.service_fields()
        )

    def get_title(self) -> str:
        return f"Edit a requirement of {self.object.party}"

    def success_url(self, obj: Any) -> str:
        return str(obj.party.get_absolute_url())


class RequirementDeleteView(ObjectMixin, View):
    model = PartyRequirement
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        requirement = self.get_object()
        party = requirement.party
        services.party_requirement_delete(requirement=requirement)
        messages.success(request, "Requirement deleted.")
        return redirect(party)


urlpatterns: list[URLPattern] = [
    path("parties/", PartyListView.as_view(), name="party_list"),
    path("parties/new/", PartyFormView.as_view(), name="party_create"),
    path("parties/import/", PartyImportView.as_view(), name="party_import"),
    path("parties/<int:pk>/", PartyDetailView.as_view(), name="party_detail"),
    path("parties/<int:pk>/edit/", PartyFormView.as_view(), name="party_update"),
    path("parties/<int:pk>/delete/", PartyDeleteView.as_view(), name="party_delete"),
    path("parties/<int:pk>/requirements/", RequirementCreateView.as_view(), name="requirement_create"),
    path("requirements/<int:pk>/edit/", RequirementFormView.as_view(), name="requirement_update"),
    path("requirements/<int:pk>/delete/", RequirementDeleteView.as_view(), name="requirement_delete"),
]
