"""Emission sources (which meter counts towards which scope, with which factor), the factor picker,
and contractual instruments for market-based scope 2."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView

from integrum.core.permissions import WRITE
from integrum.core.views import (
    ObjectDeleteView,
    ObjectFormView,
    ObjectListView,
    OrganisationMixin,
)
from integrum.ghg import services
from integrum.ghg.filters import EmissionSourceFilterSet, InstrumentFilterSet
from integrum.ghg.forms import EmissionSourceForm, FactorSearchForm, InstrumentForm
from integrum.ghg.models import ContractualInstrument, EmissionFactor, EmissionSource, FactorDataset, Gas
from integrum.measurement.models import Meter

PICKER_LIMIT = 30


def visible_sources(view: OrganisationMixin) -> QuerySet[EmissionSource]:
    """Sources of the organisation whose meter the user can see (a site-limited member: their sites')."""
    meters = Meter.objects.visible_to(view.request.user).values("pk")
    return view.scoped(EmissionSource).filter(meter__in=meters)


# --- The factor picker ------------------------------------------------------------------------


def factor_choices(family: str, text: str) -> tuple[FactorDataset | None, list[dict[str, Any]]]:
    """Factors of the family's latest dataset whose key, activity, category, unit or id hold every
    word, one entry per key with its value for each gas (two queries)."""
    dataset = services.latest_dataset(family) if family else None
    if dataset is None:
        return None, []
    factors = EmissionFactor.objects.filter(dataset=dataset)
    for word in text.split():
        factors = factors.filter(
            Q(key__icontains=word)
            | Q(activity__icontains=word)
            | Q(category__icontains=word)
            | Q(unit__icontains=word)
            | Q(external_id__iexact=word)
        )
    keys = list(factors.order_by("key").values_list("key", flat=True).distinct()[:PICKER_LIMIT])
    entries: OrderedDict[str, dict[str, Any]] = OrderedDict((key, {"key": key, "values": []}) for key in keys)
    for factor in EmissionFactor.objects.filter(dataset=dataset, key__in=keys).order_by("key", "ghg"):
        entry = entries[factor.key]
        entry.update(activity=factor.activity, category=factor.category, unit=factor.unit, scope=factor.scope)
        entry["scope_label"] = factor.get_scope_display()
        factor.value_text = services.number_text(factor.value)  # type: ignore[attr-defined]
        entry["values"].append(factor)
    order = {Gas.CO2E: 0, Gas.CO2: 1, Gas.CH4: 2, Gas.N2O: 3}
    for entry in entries.values():
        entry["values"].sort(key=lambda factor: order.get(factor.ghg, 9))
    return dataset, list(entries.values())


def picker_context(request: HttpRequest, source_pk: int | None) -> dict[str, Any]:
    search = FactorSearchForm(request.GET or None)
    family = text = ""
    if search.is_bound and search.is_valid():
        family, text = search.cleaned_data["family"], search.cleaned_data["words"]
    dataset, entries = factor_choices(family, text)
    target = reverse("ghg:source_update", args=[source_pk]) if source_pk else reverse("ghg:source_create")
    for entry in entries:
        entry["use_url"] = (
            f"{target}?{urlencode({'family': family, 'factor_key': entry['key'], 'words': text, 'scope': entry['scope']})}"
        )
    return {
        "search": search,
        "picker_dataset": dataset,
        "factors": entries,
        "picker_limit": PICKER_LIMIT,
        "searched": bool(family),
        "source_pk": source_pk or "",
    }


class FactorPickerView(OrganisationMixin, TemplateView):
    """The picker's results alone, for htmx; without htmx the source form page shows them."""

    template_name = "ghg/source_factor_results.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("source", "")
        context.update(picker_context(self.request, int(raw) if raw.isdigit() and len(raw) < 18 else None))
        return context


# --- Emission sources -------------------------------------------------------------------------


class SourceListView(ObjectListView):
    model = EmissionSource
    filterset_class = EmissionSourceFilterSet
    template_name = "ghg/source_list.html"

    def get_queryset(self) -> QuerySet[EmissionSource]:
        return (
            visible_sources(self)
            .select_related("meter__site")
            .order_by("meter__site__name", "meter__code", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class SourceFormView(ObjectFormView):
    model = EmissionSource
    form_class = EmissionSourceForm
    template_name = "ghg/source_form.html"

    def get_queryset(self) -> QuerySet[EmissionSource]:
        return visible_sources(self).select_related("meter")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        # A factor chosen in the picker arrives in the query string.
        picked = {
            name: self.request.GET[name]
            for name in ("family", "factor_key", "scope")
            if self.request.GET.get(name)
        }
        if picked:
            kwargs["initial"] = picked
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(picker_context(self.request, self.object.pk if self.object else None))
        return context

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.source_create(organisation=self.organisation, user=self.request.user, **fields)
        source = EmissionSource.objects.select_related("meter", "organisation").get(pk=self.object.pk)
        return services.source_update(
            source=source, version=form.cleaned_data["version"], user=self.request.user, **fields
        )

    def get_title(self) -> str:
        return f"Edit the emission source {self.object}" if self.object else "New emission source"

    def cancel_url(self) -> str:
        return reverse("ghg:source_list")

    def success_message(self, obj: Any) -> str:
        return f"Saved {obj}; open inventories are recalculated with it."


class SourceDeleteView(ObjectDeleteView):
    model = EmissionSource
    required_role = WRITE
    list_url = "ghg:source_list"

    def get_queryset(self) -> QuerySet[EmissionSource]:
        return visible_sources(self).select_related("meter", "organisation")

    def delete(self, obj: Any) -> None:
        services.source_delete(source=obj, user=self.request.user)

    def deleted_message(self, label: str) -> str:
        return f"Deleted {label}; open inventories no longer count it."


# --- Contractual instruments ------------------------------------------------------------------


class InstrumentListView(ObjectListView):
    model = ContractualInstrument
    filterset_class = InstrumentFilterSet
    template_name = "ghg/instrument_list.html"

    def get_queryset(self) -> QuerySet[ContractualInstrument]:
        return super().get_queryset().select_related("site")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        instruments = list(context["object_list"])
        for instrument in instruments:
            instrument.rate_text = services.number_text(instrument.emission_rate)
        context["object_list"] = instruments
        context["can_write"] = self.can(WRITE)
        return context


class InstrumentFormView(ObjectFormView):
    model = ContractualInstrument
    form_class = InstrumentForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.instrument_create(
                organisation=self.organisation, user=self.request.user, **fields
            )
        instrument = ContractualInstrument.objects.get(pk=self.object.pk)
        return services.instrument_update(
            instrument=instrument, version=form.cleaned_data["version"], user=self.request.user, **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object}" if self.object else "New contractual instrument"

    def cancel_url(self) -> str:
        return reverse("ghg:instrument_list")

    def success_message(self, obj: Any) -> str:
        return f"Saved {obj}; open inventories are recalculated with it."


class InstrumentDeleteView(ObjectDeleteView):
    model = ContractualInstrument
    required_role = WRITE
    list_url = "ghg:instrument_list"

    def delete(self, obj: Any) -> None:
        services.instrument_delete(instrument=obj, user=self.request.user)

    def deleted_message(self, label: str) -> str:
        return f"Deleted {label}; open inventories no longer use it."
