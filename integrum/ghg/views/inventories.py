"""GHG inventories (GHG Protocol corporate standard; ISO 14001:2015 9.1.1): one per reporting year,
calculated with one factor dataset and one GWP set, closed when final and restated explicitly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from integrum.core.exports import xlsx_response
from integrum.core.models import Site, StaleEdit
from integrum.core.permissions import MANAGE, WRITE, membership_in
from integrum.core.views import (
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    apply_validation_error,
    error_text,
    history_of,
)
from integrum.ghg import services
from integrum.ghg.filters import InventoryFilterSet
from integrum.ghg.forms import InventoryForm, RestateForm
from integrum.ghg.models import Inventory, InventoryResult


def limited_site_names(request: HttpRequest, organisation: Any) -> list[str]:
    """Names of the sites a site-limited member works at (empty for the whole organisation)."""
    membership = membership_in(request.user, organisation.pk)
    if membership is None or not membership.site_ids:
        return []
    return [
        site.code or site.name for site in Site.objects.filter(pk__in=membership.site_ids).order_by("code")
    ]


class InventoryListView(ObjectListView):
    model = Inventory
    filterset_class = InventoryFilterSet
    template_name = "ghg/inventory_list.html"

    def get_queryset(self) -> QuerySet[Inventory]:
        return super().get_queryset().select_related("dataset")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        inventories = list(context["object_list"])
        totals = services.totals_by_inventory(
            InventoryResult.objects.visible_to(self.request.user), [inventory.pk for inventory in inventories]
        )
        for inventory in inventories:
            inventory.totals_t = services.tonnes(totals[inventory.pk])
        context["object_list"] = inventories
        context["can_write"] = self.can(WRITE)
        context["limited_sites"] = limited_site_names(self.request, self.organisation)
        return context


class InventoryFormView(ObjectFormView):
    model = Inventory
    form_class = InventoryForm

    def get_queryset(self) -> QuerySet[Inventory]:
        return super().get_queryset().select_related("dataset")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        if self.object is not None and self.object.status == Inventory.Status.CLOSED:
            messages.error(
                request, "The inventory is closed: restate it to apply another dataset or GWP set."
            )
            return redirect(self.object)
        return self.render_form(self.get_form())

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.inventory_create(
                organisation=self.organisation, year=form.cleaned_data["year"], **fields
            )
        fields["gwp_set"] = fields["gwp_set"] or fields["dataset"].gwp_set
        inventory = Inventory.objects.select_related("dataset").get(pk=self.object.pk)
        return services.inventory_update(inventory, version=form.cleaned_data["version"], **fields)

    def get_title(self) -> str:
        return f"Settings of the {self.object}" if self.object else "New GHG inventory"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("ghg:inventory_list")

    def success_message(self, obj: Any) -> str:
        problems = len(obj.problems)
        note = f" {problems} problem{'s' if problems != 1 else ''} to look at." if problems else ""
        return f"{obj} calculated with {obj.dataset.identifier} ({obj.gwp_set}).{note}"


class InventoryDetailView(ObjectDetailView):
    model = Inventory
    template_name = "ghg/inventory_detail.html"

    def get_queryset(self) -> QuerySet[Inventory]:
        return super().get_queryset().select_related("dataset", "closed_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        inventory = self.object
        context["breakdown"] = services.inventory_breakdown(
            inventory, InventoryResult.objects.visible_to(self.request.user)
        )
        restatements = inventory.restatements.select_related("previous_dataset", "new_dataset", "restated_by")
        context["restatements"] = [
            {"record": restatement, "rows": services.restatement_rows(restatement)}
            for restatement in restatements
        ]
        context["total_labels"] = services.TOTAL_LABELS
        context["is_open"] = inventory.status == Inventory.Status.OPEN
        context["can_manage"] = self.can(MANAGE)
        context["limited_sites"] = limited_site_names(self.request, self.organisation)
        context["history"] = history_of(inventory)
        return context


class InventoryRecalculateView(ObjectMixin, View):
    model = Inventory
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        inventory = self.get_object()
        try:
            services.inventory_recalculate(inventory)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"{inventory} recalculated from the latest data.")
        return redirect(inventory)


class InventoryCloseView(ObjectMixin, TemplateView):
    """GET asks for confirmation (and shows what is still wrong); POST closes."""

    model = Inventory
    required_role = MANAGE
    template_name = "ghg/inventory_close.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inventory = self.get_object()
        if inventory.status == Inventory.Status.CLOSED:
            messages.error(request, "The inventory is already closed.")
            return redirect(inventory)
        return self.render_to_response(self.get_context_data(object=inventory))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inventory = self.get_object()
        try:
            services.inventory_close(inventory, user=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, f"{inventory} is closed: its figures are final until restated.")
        return redirect(inventory)


class InventoryRestateView(ObjectMixin, TemplateView):
    model = Inventory
    required_role = MANAGE
    template_name = "ghg/inventory_restate.html"

    def get_queryset(self) -> QuerySet[Inventory]:
        return super().get_queryset().select_related("dataset")

    def render_form(self, inventory: Inventory, form: RestateForm, status: int = 200) -> HttpResponse:
        return self.render_to_response(self.get_context_data(object=inventory, form=form), status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inventory = self.get_object()
        if inventory.status != Inventory.Status.CLOSED:
            messages.error(
                request, "Only a closed inventory is restated; an open one is simply recalculated."
            )
            return redirect(inventory)
        return self.render_form(inventory, RestateForm(initial={"dataset": inventory.dataset_id}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inventory = self.get_object()
        form = RestateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.inventory_restate(
                    inventory,
                    dataset=data["dataset"],
                    gwp_set=data["gwp_set"],
                    reason=data["reason"],
                    user=request.user,
                )
            except (ValidationError, StaleEdit) as error:
                if isinstance(error, StaleEdit):
                    form.add_error(None, str(error))
                else:
                    apply_validation_error(form, error)
            else:
                messages.success(request, f"{inventory} restated with {data['dataset'].identifier}.")
                return redirect(inventory)
        inventory.refresh_from_db()
        return self.render_form(inventory, form, status=400)


EXPORT_HEADERS = [
    "Month",
    "Site",
    "Emission source",
    "Meter",
    "Scope",
    "Scope 3 category",
    "Scope 2 method",
    "Gas",
    "Activity",
    "Activity unit",
    "Factor id",
    "Factor value",
    "Factor value unit",
    "Contractual instrument",
    "Mass of gas (kg)",
    "Emissions (kg CO2e)",
    "Dataset",
]


class InventoryExportView(ObjectMixin, View):
    """The results row by row, with the dataset's licence and attribution under them."""

    model = Inventory

    def get_queryset(self) -> QuerySet[Inventory]:
        return super().get_queryset().select_related("dataset")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        inventory = self.get_object()
        results = (
            InventoryResult.objects.visible_to(request.user)
            .filter(inventory=inventory)
            .select_related("site", "source__meter", "factor", "instrument", "dataset")
            .order_by("month", "site__code", "source_id", "method", "ghg", "pk")
        )
        return xlsx_response(
            f"ghg-inventory-{inventory.year}",
            EXPORT_HEADERS,
            self.rows(inventory, results),
            title=f"GHG inventory {inventory.year}",
        )

    def rows(self, inventory: Inventory, results: QuerySet[InventoryResult]) -> Iterator[list[Any]]:
        for result in results.iterator(chunk_size=2000):
            source = result.source
            factor, instrument = result.factor, result.instrument
            yield [
                result.month,
                result.site.code or result.site.name,
                str(source) if source else "(deleted source)",
                source.meter.code if source else "",
                result.scope,
                result.get_scope3_category_display() if result.scope3_category else "",
                result.get_method_display() if result.method else "",
                result.ghg,
                result.activity_quantity,
                result.activity_unit,
                factor.external_id if factor else "",
                factor.value
                if factor
                else (instrument.emission_rate if instrument else inventory.residual_mix_factor),
                f"{factor.value_unit} per {factor.unit}" if factor else "kg CO2e per kWh",
                str(instrument) if instrument else ("" if factor else "Residual mix"),
                result.gas_kg,
                result.co2e_kg,
                result.dataset.identifier,
            ]
        dataset = inventory.dataset
        yield []
        yield ["GWP set", inventory.get_gwp_set_display()]
        yield ["Emission factors", f"{dataset.name} ({dataset.identifier}, version {dataset.version})"]
        yield ["Publisher", dataset.publisher]
        yield ["Licence", dataset.licence]
        yield ["Attribution", dataset.attribution]
