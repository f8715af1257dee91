"""Pages of the emission-factor datasets (ISO 14001 9.1.1: the data behind the GHG inventory).

Datasets are public reference data shared by every organisation, so any signed-in member reads
them whichever organisation is chosen; only staff (the people who run the installation) import
a new edition. Lists cost a fixed number of queries whatever the number of factors.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from integrum.core.files import check_upload
from integrum.core.permissions import READ
from integrum.core.views import ObjectListView, OrganisationMixin, error_text, history_of
from integrum.ghg import factors
from integrum.ghg.models import EmissionFactor, FactorDataset
from integrum.ghg.parsers.base import plain


class DatasetListView(ObjectListView):
    model = FactorDataset
    template_name = "ghg/dataset_list.html"
    required_role = READ

    def get_queryset(self) -> QuerySet[Any]:
        return factors.datasets()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_import"] = self.request.user.is_staff
        return context


class DatasetDetailView(ObjectListView):
    """A dataset's provenance and licence, then its factors, filtered like the API's list."""

    model = EmissionFactor
    template_name = "ghg/dataset_detail.html"
    filterset_class = factors.EmissionFactorFilterSet
    required_role = READ
    dataset: FactorDataset

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.dataset = get_object_or_404(factors.datasets(), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return factors.factors_of(self.dataset)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        for factor in rows:
            factor.shown_value = plain(factor.value)  # 40, not 4E+1 or 40.0000000000
        context.update(
            object_list=rows, dataset=self.dataset, object=self.dataset, history=history_of(self.dataset)
        )
        return context


class DatasetExportView(OrganisationMixin, View):
    """Every factor of a dataset as CSV, streamed: the same columns as `integrum factors export`."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        dataset = get_object_or_404(FactorDataset, pk=pk)
        response = StreamingHttpResponse(csv_lines(dataset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{dataset.identifier}.csv"'
        return response


class _Line:
    """A file-like object for csv.writer that hands back each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(dataset: FactorDataset) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    for row in factors.dataset_export_rows(dataset):
        yield writer.writerow(row)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Workbook",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text="The publisher's .xlsx, unchanged: a DESNZ flat file or full set, or the EPA "
        "GHG Emission Factors Hub. Its format is recognised from its content.",
    )


class DatasetImportView(OrganisationMixin, TemplateView):
    template_name = "ghg/dataset_import.html"
    required_role = READ

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied("Only the installation's staff import emission-factor datasets.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["formats"] = FactorDataset.Format.choices
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                checked = check_upload(upload)
                dataset = factors.dataset_import(name=checked.name, data=upload.read(), user=request.user)
            except ValidationError as error:
                form.add_error("file", error_text(error))
            else:
                messages.success(request, f"Imported {dataset.identifier}: {dataset.factor_count} factors.")
                return redirect(dataset.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)
