"""The environmental data pages for every persona, bad input that changes nothing, and
query-count guards on the lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from integrum.conftest import client_for
from integrum.core.models import ObjectChange
from integrum.measurement import services
from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch, SiteFigure
from integrum.measurement.tests.factories import IMMEDIATE, csv_bytes, make_meter, site_limited

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"measurement:{name}", args=args)


def text(response):
    return response.content.decode()


@pytest.fixture
def meter(organisation, sites):
    return make_meter(organisation, sites[0])


@pytest.fixture
def far_meter(organisation, sites):
    return make_meter(organisation, sites[1], code="L1", name="Leeds incomer")


@pytest.fixture
def batch(organisation, meter, contributor):
    return services.readings_enter(
        organisation=organisation,
        user=contributor,
        meter=meter,
        value="120",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 2, 1),
    )


@pytest.fixture
def figure(organisation, sites):
    return services.site_figure_create(
        organisation=organisation,
        site=sites[0],
        kind="output",
        month=dt.date(2026, 1, 1),
        value=Decimal(40),
        unit="tonnes",
    )


def read_pages(meter, batch, figure):
    return [
        url("meter_list"),
        url("meter_detail", meter.pk),
        url("batch_list"),
        url("batch_detail", batch.pk),
        url("batch_progress", batch.pk),
        url("figure_list"),
    ]


def test_a_viewer_reads_every_page(as_viewer, meter, batch, figure):
    for address in read_pages(meter, batch, figure):
        assert as_viewer.get(address).status_code == 200, address
    detail = text(as_viewer.get(url("meter_detail", meter.pk)))
    assert "January 2026" in detail and "<svg" in detail and "Amount used per month" in detail
    assert "Enter a reading" not in detail and "Edit" not in detail
    assert "40" in text(as_viewer.get(url("figure_list")))


def test_a_viewer_cannot_write(as_viewer, meter, batch, figure):
    for address in (
        url("meter_create"),
        url("meter_update", meter.pk),
        url("reading_import"),
        url("figure_create"),
        url("figure_update", figure.pk),
    ):
        assert as_viewer.get(address).status_code == 403, address
    before = ObjectChange.objects.count()
    posts = [
        (url("meter_detail", meter.pk), {"first_day": "2026-02-01", "last_day": "2026-02-28", "value": "1"}),
        (url("meter_create"), {"code": "X"}),
        (url("meter_activation", meter.pk), {}),
        (url("meter_delete", meter.pk), {}),
        (url("batch_commit", batch.pk), {}),
        (url("batch_revert", batch.pk), {}),
        (url("figure_delete", figure.pk), {}),
        (url("reading_import"), {}),
    ]
    for address, data in posts:
        assert as_viewer.post(address, data).status_code == 403, address
    assert ObjectChange.objects.count() == before and Reading.objects.count() == 1


def test_an_outsider_sees_nothing(as_outsider, meter, batch, figure):
    for address in (
        url("meter_detail", meter.pk),
        url("meter_update", meter.pk),
        url("batch_detail", batch.pk),
        url("batch_progress", batch.pk),
        url("figure_update", figure.pk),
    ):
        assert as_outsider.get(address).status_code == 404, address
    for address in (
        url("meter_detail", meter.pk),
        url("batch_commit", batch.pk),
        url("batch_revert", batch.pk),
        url("meter_activation", meter.pk),
        url("figure_delete", figure.pk),
    ):
        assert as_outsider.post(address, {"value": "1"}).status_code == 404, address
    # Names and addresses, not short codes, which a random CSRF token can contain.
    assert "Main incomer" not in text(as_outsider.get(url("meter_list")))
    assert url("batch_detail", batch.pk) not in as_outsider.get(url("batch_list")).content.decode()
    assert Reading.objects.count() == 1 and SiteFigure.objects.count() == 1


def test_the_menu_lists_environmental_data_under_check(as_viewer):
    page = text(as_viewer.get(reverse("reports:home")))
    assert url("meter_list") in page and "Environmental data" in page and "9.1.1" in page


def test_a_contributor_registers_a_meter_and_enters_readings(as_contributor, sites):
    response = as_contributor.post(
        url("meter_create"),
        {
            "site": sites[0].pk,
            "code": "G7",
            "name": "Boiler gas",
            "kind": "gas",
            "unit": "m³",
            "reading_kind": "consumption",
            "outlier_factor": "3",
            "version": 1,
        },
    )
    meter = Meter.objects.get(code="G7")
    assert response.status_code == 302 and response["Location"] == meter.get_absolute_url()
    response = as_contributor.post(
        url("meter_detail", meter.pk),
        {
            "first_day": "2026-01-16",
            "last_day": "2026-02-14",
            "value": "3",
            "unit": "m3",
            "quality": "invoiced",
        },
    )
    assert response.status_code == 302
    totals = dict(MonthlyTotal.objects.values_list("month", "quantity"))
    assert totals == {dt.date(2026, 1, 1): Decimal("1.6"), dt.date(2026, 2, 1): Decimal("1.4")}
    page = text(as_contributor.get(meter.get_absolute_url()))
    assert "Invoiced" in page and "Enter a reading" in page
    response = as_contributor.post(
        url("meter_update", meter.pk),
        {
            "site": sites[0].pk,
            "code": "G7",
            "name": "Boiler gas",
            "kind": "gas",
            "unit": "kWh",
            "reading_kind": "consumption",
            "outlier_factor": "3",
            "version": Meter.objects.get(pk=meter.pk).version,
        },
    )
    assert response.status_code == 400 and "create a new meter" in text(response)
    assert Meter.objects.get(pk=meter.pk).unit == "m³"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"first_day": "2026-02-01", "last_day": "2026-02-28", "value": "1", "unit": "kg"}, "Cannot convert"),
        ({"first_day": "2026-02-01", "last_day": "2026-02-28", "value": "-5"}, "cannot be negative"),
        ({"first_day": "2026-02-10", "last_day": "2026-02-01", "value": "5"}, "cannot come before"),
        ({"first_day": "2026-01-20", "last_day": "2026-02-10", "value": "5"}, "already has a reading"),
        ({"first_day": "", "last_day": "2026-02-10", "value": "5"}, "This field is required"),
        ({"first_day": "2026-02-01", "last_day": "2026-02-10", "value": "many"}, "Enter a number"),
    ],
)
def test_a_bad_reading_on_the_page_changes_nothing(as_contributor, meter, batch, data, problem):
    before = (Reading.objects.count(), ReadingBatch.objects.count(), ObjectChange.objects.count())
    response = as_contributor.post(url("meter_detail", meter.pk), {"quality": "measured", **data})
    assert response.status_code == 400 and problem in text(response)
    assert (Reading.objects.count(), ReadingBatch.objects.count(), ObjectChange.objects.count()) == before


def test_a_register_meter_takes_a_time_and_an_index(as_contributor, organisation, sites):
    meter = make_meter(organisation, sites[0], code="G1", kind="gas", unit="m³", reading_kind="register")
    page = text(as_contributor.get(meter.get_absolute_url()))
    assert "Register value" in page and 'type="datetime-local"' in page
    for moment, value in (("2026-01-01T08:00", "100"), ("2026-02-01T08:00", "160")):
        response = as_contributor.post(
            meter.get_absolute_url(), {"timestamp": moment, "value": value, "quality": "measured"}
        )
        assert response.status_code == 302
    assert list(Reading.objects.values_list("quantity", flat=True)) == [60]


def test_a_site_limited_contributor_keeps_to_their_site(organisation, sites, meter, far_meter, settings):
    settings.TASKS = IMMEDIATE
    sam = client_for(site_limited(organisation, sites[0]))
    listing = text(sam.get(url("meter_list")))
    assert "Main incomer" in listing and "Leeds incomer" not in listing
    assert sam.get(url("meter_detail", far_meter.pk)).status_code == 404
    reading = {"first_day": "2026-02-01", "last_day": "2026-02-28", "value": "1", "quality": "measured"}
    assert sam.post(url("meter_detail", far_meter.pk), reading).status_code == 404
    assert sam.post(url("meter_detail", meter.pk), reading).status_code == 302
    form = text(sam.get(url("meter_create")))
    assert sites[0].name in form and sites[1].name not in form
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = csv_bytes("L1,2026-03-01,2026-04-01,5", header="meter,start,end,value")
    sam.post(url("reading_import"), {"file": SimpleUploadedFile("r.csv", data), "mode": "commit"})
    batch = ReadingBatch.objects.get(source=ReadingBatch.Source.IMPORT)
    assert batch.status == ReadingBatch.Status.INVALID and "No meter “L1”" in batch.errors[0]["message"]
    assert not Reading.objects.filter(meter=far_meter).exists()


def test_managers_take_meters_out_of_use_and_delete_unused_ones(as_contributor, as_manager, meter, far_meter):
    assert as_contributor.post(url("meter_activation", meter.pk)).status_code == 403
    as_manager.post(url("meter_activation", meter.pk))
    assert not Meter.objects.get(pk=meter.pk).is_active
    assert "Enter a reading" not in text(as_manager.get(meter.get_absolute_url()))
    as_manager.post(url("meter_delete", far_meter.pk))
    assert not Meter.objects.filter(pk=far_meter.pk).exists()


def test_site_figures_are_entered_per_month(as_contributor, as_manager, sites, figure):
    response = as_contributor.post(
        url("figure_create"),
        {
            "site": sites[0].pk,
            "kind": "output",
            "month": "2026-02",
            "value": "38.5",
            "unit": "tonnes",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert SiteFigure.objects.get(month=dt.date(2026, 2, 1)).value == Decimal("38.5")
    clash = as_contributor.post(
        url("figure_create"),
        {"site": sites[0].pk, "kind": "output", "month": "2026-01", "value": "1", "version": 1},
    )
    assert clash.status_code == 400 and "already" in text(clash)
    negative = as_contributor.post(
        url("figure_create"), {"kind": "employees", "month": "2026-01", "value": "-3", "version": 1}
    )
    assert negative.status_code == 400
    response = as_contributor.post(
        url("figure_update", figure.pk),
        {
            "site": sites[0].pk,
            "kind": "output",
            "month": "2026-01",
            "value": "41",
            "unit": "tonnes",
            "version": figure.version,
        },
    )
    assert response.status_code == 302 and SiteFigure.objects.get(pk=figure.pk).value == 41
    assert as_contributor.post(url("figure_delete", figure.pk)).status_code == 403
    as_manager.post(url("figure_delete", figure.pk))
    assert SiteFigure.objects.count() == 1
    listing = text(as_contributor.get(url("figure_list") + "?kind=output&from=2026-02-01"))
    assert "February 2026" in listing and "January 2026" not in listing


def test_the_lists_filter(as_viewer, organisation, sites, meter, far_meter):
    # Names, not the two-character codes, which a random CSRF token can contain.
    make_meter(organisation, sites[0], code="W1", name="Canteen water", kind="water", unit="m³")
    page = text(as_viewer.get(url("meter_list") + "?kind=water"))
    assert "Canteen water" in page and "Main incomer" not in page
    page = text(as_viewer.get(url("meter_list") + f"?site={sites[1].pk}"))
    assert "Leeds incomer" in page and "Main incomer" not in page
    page = text(as_viewer.get(url("meter_list") + "?q=canteen"))
    assert "Canteen water" in page and "Leeds incomer" not in page
    services.meter_deactivate(meter=far_meter)
    page = text(as_viewer.get(url("meter_list") + "?active=false"))
    assert "Leeds incomer" in page and "Main incomer" not in page


def test_list_pages_cost_the_same_for_few_and_many_rows(
    as_viewer, organisation, sites, contributor, count_queries
):
    def add(count, start):
        for index in range(start, start + count):
            meter = make_meter(organisation, sites[index % 2], code=f"M{index}")
            services.readings_enter(
                organisation=organisation,
                user=contributor,
                meter=meter,
                value="1",
                start=dt.date(2026, 1, 1),
                end=dt.date(2026, 1, 2),
            )
            services.site_figure_create(
                organisation=organisation,
                site=sites[index % 2],
                kind="output",
                month=dt.date(2020 + index // 12, index % 12 + 1, 1),
                value=Decimal(index),
            )

    pages = [url("meter_list"), url("batch_list"), url("figure_list")]
    add(2, 0)
    few = [count_queries(lambda address=address: as_viewer.get(address)) for address in pages]
    add(25, 2)
    many = [count_queries(lambda address=address: as_viewer.get(address)) for address in pages]
    assert few == many


def test_a_meters_page_costs_the_same_for_few_and_many_readings(
    as_viewer, organisation, meter, count_queries
):
    def add(days, first):
        rows = "\n".join(
            f"E1,{dt.date(2026, 1, 1) + dt.timedelta(days=first + d)},{dt.date(2026, 1, 1) + dt.timedelta(days=first + d + 1)},5"
            for d in range(days)
        )
        services.readings_check_and_commit(
            organisation=organisation,
            user=None,
            source="import",
            rows=services.readings.rows_from_file("r.csv", csv_bytes(rows, header="meter,start,end,value")),
        )

    add(3, 0)
    few = count_queries(lambda: as_viewer.get(url("meter_detail", meter.pk)))
    add(120, 3)
    many = count_queries(lambda: as_viewer.get(url("meter_detail", meter.pk)))
    assert few == many
