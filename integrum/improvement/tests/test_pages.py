"""The nonconformity pages for every persona: list, export, full form, quick report, the record
with its steps, analysis, actions and status history; the whole chain through the pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from integrum.actions.models import Action
from integrum.conftest import PASSWORD
from integrum.context.tests.factories import make_process
from integrum.core.models import Attachment, ObjectChange
from integrum.improvement import services
from integrum.improvement.models import CauseEntry, Nonconformity
from integrum.improvement.tests.builders import (
    make_finding,
    make_nc,
    to_action,
    to_closed,
    to_verification,
)
from integrum.risks.tests.factories import make_risk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

S = Nonconformity.Status
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def url(name, *args):
    return reverse(f"improvement:{name}", args=args)


def body(response):
    return response.content.decode()


def counts():
    return (
        Nonconformity.objects.count(),
        CauseEntry.objects.count(),
        Action.objects.count(),
        ObjectChange.objects.count(),
        Attachment.objects.count(),
    )


@pytest.fixture
def nc(organisation, manager):
    return make_nc(organisation, manager, title="Hydraulic oil leak at press 4")


# --- Reading ---------------------------------------------------------------------------------


def test_a_viewer_reads_without_write_buttons(as_viewer, organisation, manager, nc):
    html = body(as_viewer.get(url("nc_list")))
    assert nc.reference in html and "Hydraulic oil leak" in html and "Export XLSX" in html
    assert "New nonconformity" not in html and "Report a problem" not in html
    html = body(as_viewer.get(nc.get_absolute_url()))
    assert nc.reference in html and "Status history" in html and "5 whys" in html
    for text in (
        "Edit</a>",
        "Add action",
        "Add cause",
        "Save the analysis",
        "Start corrective action",
        "Sign and close",
    ):
        assert text not in html, text
    assert as_viewer.get(url("nc_report")).status_code == 403
    assert as_viewer.get(url("nc_create")).status_code == 403


def test_the_menu_has_both_entries_and_report_only_for_writers(as_viewer, as_contributor):
    html = body(as_viewer.get(url("nc_list")))
    assert "Nonconformities" in html and "10.2" in html and url("nc_report") not in html.split("<main")[0]
    html = body(as_contributor.get(url("nc_list")))
    assert url("nc_report") in html


def test_an_outsider_sees_nothing_and_changes_nothing(as_outsider, organisation, manager, contributor, nc):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    entry = services.cause_add(nc=nc, method="five_whys", text="Hose burst")
    assert as_outsider.get(nc.get_absolute_url()).status_code == 404
    assert as_outsider.get(url("nc_update", nc.pk)).status_code == 404
    assert nc.reference not in body(as_outsider.get(url("nc_list")))
    before = counts()
    for name, args in (
        ("nc_update", [nc.pk]),
        ("nc_delete", [report.pk]),
        ("nc_triage", [report.pk]),
        ("nc_reject", [report.pk]),
        ("nc_start_actions", [nc.pk]),
        ("nc_request_verification", [nc.pk]),
        ("nc_record_effectiveness", [nc.pk]),
        ("nc_close_signed", [nc.pk]),
        ("nc_reopen", [nc.pk]),
        ("nc_analysis", [nc.pk]),
        ("nc_cause_add", [nc.pk]),
        ("nc_cause_delete", [nc.pk, entry.pk]),
        ("nc_action_create", [nc.pk]),
    ):
        response = as_outsider.post(url(name, *args), {"title": "x", "reason": "x", "password": PASSWORD})
        assert response.status_code == 404, name
    assert counts() == before


def test_a_viewer_cannot_write(as_viewer, as_contributor, organisation, contributor, nc):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    entry = services.cause_add(nc=nc, method="five_whys", text="Hose burst")
    before = counts()
    for name, args in (
        ("nc_create", []),
        ("nc_report", []),
        ("nc_update", [nc.pk]),
        ("nc_delete", [report.pk]),
        ("nc_triage", [report.pk]),
        ("nc_reject", [report.pk]),
        ("nc_start_actions", [nc.pk]),
        ("nc_request_verification", [nc.pk]),
        ("nc_record_effectiveness", [nc.pk]),
        ("nc_close_signed", [nc.pk]),
        ("nc_reopen", [nc.pk]),
        ("nc_analysis", [nc.pk]),
        ("nc_cause_add", [nc.pk]),
        ("nc_cause_delete", [nc.pk, entry.pk]),
        ("nc_action_create", [nc.pk]),
    ):
        assert as_viewer.post(url(name, *args), {"title": "x", "reason": "x"}).status_code == 403, name
    # Manager steps are refused to a contributor too.
    for name in ("nc_triage", "nc_reject", "nc_delete"):
        assert as_contributor.post(url(name, report.pk), {"reason": "x"}).status_code == 403, name
    assert as_contributor.post(url("nc_close_signed", nc.pk), {"password": PASSWORD}).status_code == 403
    assert counts() == before


# --- List ------------------------------------------------------------------------------------


def test_tabs_filters_and_export(as_viewer, organisation, sites, manager, contributor):
    open_nc = make_nc(organisation, manager, title="Scratched housings", site=sites[0], owner=contributor)
    services.nc_report(
        organisation=organisation, user=contributor, title="Broken pallet", description="Gate 2"
    )
    due = to_verification(make_nc(organisation, manager, title="Wrong label"), manager)
    Nonconformity.objects.filter(pk=due.pk).update(effectiveness_due=timezone.localdate())
    to_closed(make_nc(organisation, manager, title="Late delivery"), manager)
    html = body(as_viewer.get(url("nc_list")))
    assert 'Open <span class="tabs__count">3</span>' in html
    assert 'Awaiting triage <span class="tabs__count">1</span>' in html
    assert "Verification due" in html and 'tabs__count--danger">1<' in html

    def titles(**query):
        return [nc.title for nc in as_viewer.get(url("nc_list"), query).context["object_list"]]

    assert titles(status="reported") == ["Broken pallet"]
    assert titles(verification_due="true") == ["Wrong label"]
    assert titles(open="false") == ["Late delivery"]
    assert titles(site=sites[0].pk) == ["Scratched housings"]
    assert titles(owner=contributor.pk) == ["Scratched housings"]
    assert titles(q=open_nc.reference) == ["Scratched housings"]
    assert titles(source="report") == ["Broken pallet"]
    assert titles(detected_from=(timezone.localdate() + dt.timedelta(days=1)).isoformat()) == []
    assert titles(severity="nonsense") == []
    response = as_viewer.get(url("nc_list"), {"open": "true", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Reference", "Title", "Status")
    assert sorted(r[1] for r in rows[1:]) == ["Broken pallet", "Scratched housings", "Wrong label"]


def _grow(organisation, manager, contributor, n):
    for i in range(n):
        nc = make_nc(organisation, manager, title=f"Leak {i}", owner=contributor)
        services.nc_action_create(nc=nc, title=f"Fix {i}", created_by=manager, owner=contributor)
        services.cause_add(nc=nc, method="fishbone", category="machine", text=f"Seal {i}")
        services.cause_add(nc=nc, method="five_whys", text=f"Why {i}")


def test_the_list_costs_the_same_for_few_and_many_rows(
    as_viewer, organisation, manager, contributor, count_queries
):
    _grow(organisation, manager, contributor, 1)
    few = count_queries(lambda: as_viewer.get(url("nc_list")))
    _grow(organisation, manager, contributor, 6)
    many = count_queries(lambda: as_viewer.get(url("nc_list")))
    assert few == many
    export_few = count_queries(lambda: as_viewer.get(url("nc_list"), {"export": "xlsx"}))
    _grow(organisation, manager, contributor, 2)
    assert count_queries(lambda: as_viewer.get(url("nc_list"), {"export": "xlsx"})) == export_few


def test_the_record_costs_the_same_for_few_and_many_entries(
    as_manager, organisation, manager, contributor, count_queries
):
    nc = make_nc(organisation, manager, title="Leak at press 4")
    _grow(organisation, manager, contributor, 1)
    services.nc_action_create(nc=nc, title="Fix", created_by=manager)
    services.cause_add(nc=nc, method="five_whys", text="Why")
    few = count_queries(lambda: as_manager.get(nc.get_absolute_url()))
    _grow(organisation, manager, contributor, 4)
    for i in range(5):
        services.nc_action_create(nc=nc, title=f"Fix {i}", created_by=manager, owner=contributor)
        services.cause_add(nc=nc, method="five_whys", text=f"Why {i}")
        services.cause_add(nc=nc, method="fishbone", category="people", text=f"Training {i}", is_root=True)
    nc.risks.set([make_risk(organisation), make_risk(organisation, title="Customer loss")])
    many = count_queries(lambda: as_manager.get(nc.get_absolute_url()))
    assert many == few


# --- Forms -----------------------------------------------------------------------------------


def test_the_full_form_is_prefilled_from_a_finding(as_contributor, organisation, sites, contributor):
    process = make_process(organisation, name="Finishing")
    finding = make_finding(organisation, grade="minor", site=sites[1], process=process)
    form = as_contributor.get(url("nc_create"), {"finding": finding.pk}).context["form"]
    assert form.initial["finding"] == finding.pk and form.initial["source"] == "finding"
    assert form.initial["severity"] == "minor" and form.initial["site"] == sites[1].pk
    assert form.initial["description"] == finding.statement
    response = as_contributor.post(
        url("nc_create"),
        {
            "title": "Release without final check",
            "description": finding.statement,
            "source": "finding",
            "finding": finding.pk,
            "severity": "minor",
            "detected_on": timezone.localdate().isoformat(),
            "owner": contributor.pk,
        },
    )
    nc = Nonconformity.objects.get()
    assert response.status_code == 302 and response["Location"] == nc.get_absolute_url()
    assert (nc.finding, nc.site, nc.process, nc.reported_by) == (finding, sites[1], process, contributor)


def test_the_full_form_refuses_bad_input(as_contributor, organisation, other_organisation, contributor):
    foreign = make_finding(other_organisation, grade="major")
    observation = make_finding(organisation, grade="observation")
    before = counts()
    for data in (
        {"title": "", "description": "", "source": "complaint", "severity": "minor"},
        {"title": "x", "description": "y", "source": "complaint", "severity": "minor"},
        {"title": "x", "description": "y", "source": "finding", "finding": foreign.pk, "severity": "minor"},
        {"title": "x", "description": "y", "source": "finding", "finding": observation.pk},
        {"title": "x", "description": "y", "source": "process", "severity": "minor"},
    ):
        data.setdefault("detected_on", timezone.localdate().isoformat())
        assert as_contributor.post(url("nc_create"), data).status_code == 400, data
    assert counts() == before


def test_the_quick_report_with_a_photo(as_contributor, organisation, sites, contributor):
    assert len(as_contributor.get(url("nc_report")).context["form"].fields) <= 5
    response = as_contributor.post(
        url("nc_report"),
        {
            "title": "Oil on the floor by press 4",
            "description": "A puddle the size of a pallet",
            "site": sites[0].pk,
            "photo": SimpleUploadedFile("leak.png", PNG, "image/png"),
        },
    )
    nc = Nonconformity.objects.get()
    assert response.status_code == 302 and nc.status == S.REPORTED and nc.reported_by == contributor
    assert Attachment.objects.get().original_name == "leak.png"
    assert "leak.png" in body(as_contributor.get(nc.get_absolute_url()))
    before = counts()
    bad = as_contributor.post(
        url("nc_report"),
        {
            "title": "x",
            "description": "y",
            "photo": SimpleUploadedFile("x.png", b"MZ not a png", "image/png"),
        },
    )
    assert bad.status_code == 400 and counts() == before
    assert as_contributor.post(url("nc_report"), {"title": "", "description": ""}).status_code == 400


def test_edit_and_stale_edit(as_contributor, organisation, manager, nc):
    page = as_contributor.get(url("nc_update", nc.pk))
    assert page.status_code == 200
    data = {
        "title": "Oil leak, press 4",
        "description": nc.description,
        "detected_on": nc.detected_on.isoformat(),
        "source_detail": nc.source_detail,
        "severity": "major",
        "containment": "Drip tray",
        "version": nc.version,
    }
    assert as_contributor.post(url("nc_update", nc.pk), data).status_code == 302
    nc.refresh_from_db()
    assert (nc.title, nc.severity, nc.containment) == ("Oil leak, press 4", "major", "Drip tray")
    stale = as_contributor.post(url("nc_update", nc.pk), {**data, "title": "Other"})
    assert stale.status_code == 400
    nc.refresh_from_db()
    assert nc.title == "Oil leak, press 4"


def test_delete_only_reports_by_a_manager(as_manager, organisation, contributor, manager, nc):
    response = as_manager.post(url("nc_delete", nc.pk))
    assert response.status_code == 302 and Nonconformity.objects.filter(pk=nc.pk).exists()
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    assert as_manager.post(url("nc_delete", report.pk)).status_code == 302
    assert not Nonconformity.objects.filter(pk=report.pk).exists()


# --- Steps on the record ---------------------------------------------------------------------


def test_only_allowed_step_buttons_show(as_manager, as_contributor, organisation, manager, contributor):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    html = body(as_manager.get(report.get_absolute_url()))
    assert "Accept as nonconformity" in html and "Reject the report" in html
    assert "Start corrective action" not in html and "Sign and close" not in html
    html = body(as_contributor.get(report.get_absolute_url()))
    assert "Accept as nonconformity" not in html and "Reject the report" not in html
    nc = to_action(make_nc(organisation, manager), manager)
    html = body(as_contributor.get(nc.get_absolute_url()))
    assert "Request effectiveness check" in html and "Sign and close" not in html
    assert "Start corrective action" not in html
    html = body(as_manager.get(nc.get_absolute_url()))
    assert "Sign and close" in html
    closed = to_closed(make_nc(organisation, manager), manager)
    html = body(as_manager.get(closed.get_absolute_url()))
    assert "Reopen" in html and "Add action" not in html and "Edit</a>" not in html


def test_a_refused_step_says_why_and_changes_nothing(as_contributor, organisation, manager, nc):
    before = counts()
    response = as_contributor.post(url("nc_start_actions", nc.pk), follow=True)
    assert "nothing changed" in body(response) and "record the root cause" in body(response)
    response = as_contributor.post(url("nc_request_verification", nc.pk), follow=True)
    assert "cannot go from Open to Effectiveness check" in body(response)
    assert counts() == before


def test_signed_closure_on_the_page(as_manager, organisation, manager, nc):
    before = counts()
    response = as_manager.post(
        url("nc_close_signed", nc.pk),
        {"password": "wrong", "justification": "Customer withdrew"},
        follow=True,
    )
    assert "not correct" in body(response)
    assert counts() == before
    response = as_manager.post(
        url("nc_close_signed", nc.pk),
        {"password": PASSWORD, "justification": "Customer withdrew"},
        follow=True,
    )
    nc.refresh_from_db()
    assert nc.status == S.CLOSED
    html = body(response)
    assert "Signed justification" in html and "Closed without verified effectiveness by" in html


def test_triage_reject_and_reopen_on_the_page(as_manager, organisation, manager, contributor):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    as_manager.post(url("nc_triage", report.pk), {"severity": "major", "owner": contributor.pk})
    report.refresh_from_db()
    assert (report.status, report.owner) == (S.OPEN, contributor)
    other = services.nc_report(organisation=organisation, user=contributor, title="Noise", description="Fan")
    as_manager.post(url("nc_reject", other.pk), {"reason": "Normal fan noise"})
    other.refresh_from_db()
    assert other.status == S.REJECTED
    assert "Reported → Rejected: Normal fan noise" in body(as_manager.get(other.get_absolute_url()))
    closed = to_closed(make_nc(organisation, manager), manager)
    as_manager.post(url("nc_reopen", closed.pk), {"reason": "Leaking again"})
    closed.refresh_from_db()
    assert closed.status == S.ACTION and closed.times_reopened == 1


def test_analysis_causes_and_similar_on_the_page(as_contributor, organisation, manager, nc):
    old = make_nc(
        organisation, manager, title="Hydraulic hose leak at press 2", description="Hose leaking oil"
    )
    html = body(as_contributor.get(nc.get_absolute_url()))
    assert old.reference in html.split('id="similar"')[1]
    as_contributor.post(url("nc_cause_add", nc.pk), {"method": "five_whys", "text": "Hose burst"})
    as_contributor.post(
        url("nc_cause_add", nc.pk), {"method": "fishbone", "category": "machine", "text": "Old hose"}
    )
    response = as_contributor.post(
        url("nc_cause_add", nc.pk), {"method": "fishbone", "text": "No bone"}, follow=True
    )
    assert "6M category" in body(response)
    assert nc.causes.count() == 2
    nc.refresh_from_db()
    as_contributor.post(
        url("nc_analysis", nc.pk),
        {
            "root_cause": "No hose replacement interval",
            "cause_category": "machine",
            "similar": "exists",
            "similar_note": "See the other presses",
            "version": nc.version,
        },
    )
    nc.refresh_from_db()
    assert (nc.root_cause, nc.cause_category, nc.similar) == (
        "No hose replacement interval",
        "machine",
        "exists",
    )
    entry = nc.causes.get(method="five_whys")
    as_contributor.post(url("nc_cause_delete", nc.pk, entry.pk))
    assert nc.causes.count() == 1


def test_relations_show_on_the_risk_and_process_pages(as_viewer, organisation, manager):
    risk = make_risk(organisation)
    process = make_process(organisation, name="Moulding")
    nc = make_nc(organisation, manager, process=process, source="process", risks=[risk])
    assert nc.reference in body(as_viewer.get(risk.get_absolute_url()))
    assert nc.reference in body(as_viewer.get(process.get_absolute_url()))


def test_a_process_page_offers_to_raise_a_nonconformity_to_writers_only(
    as_viewer, as_contributor, organisation
):
    process = make_process(organisation, name="Moulding")
    link = f"{url('nc_create')}?process={process.pk}"
    assert link in body(as_contributor.get(process.get_absolute_url()))
    assert link not in body(as_viewer.get(process.get_absolute_url()))
    form = as_contributor.get(link).context["form"]
    assert form.initial["process"] == process.pk and form.initial["source"] == "process"


# --- The whole chain through the pages -------------------------------------------------------


def test_the_chain_from_finding_to_closure_on_the_pages(as_manager, organisation, manager, contributor):
    finding = make_finding(organisation, grade="major")
    assert "Raise nonconformity" in body(as_manager.get(finding.get_absolute_url()))
    response = as_manager.post(
        url("nc_create"),
        {
            "title": "Release without final check",
            "description": finding.statement,
            "source": "finding",
            "finding": finding.pk,
            "severity": "major",
            "detected_on": timezone.localdate().isoformat(),
            "owner": contributor.pk,
        },
    )
    nc = Nonconformity.objects.get()
    assert response["Location"] == nc.get_absolute_url()
    assert nc.reference in body(as_manager.get(finding.get_absolute_url()))
    as_manager.post(url("nc_cause_add", nc.pk), {"method": "five_whys", "text": "No time for the check"})
    as_manager.post(
        url("nc_analysis", nc.pk),
        {
            "root_cause": "CMM capacity too small",
            "cause_category": "machine",
            "similar": "none",
            "version": nc.version,
        },
    )
    as_manager.post(
        url("nc_action_create", nc.pk),
        {"title": "Second CMM shift", "owner": contributor.pk, "priority": "high"},
    )
    as_manager.post(url("nc_start_actions", nc.pk))
    nc.refresh_from_db()
    assert nc.status == S.ACTION
    action = Action.objects.raised_by(nc).get()
    as_manager.post(
        reverse("actions:action_transition", args=[action.pk]), {"to": "done", "outcome": "Shift running"}
    )
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    as_manager.post(url("nc_request_verification", nc.pk), {})
    nc.refresh_from_db()
    assert nc.status == S.VERIFICATION
    response = as_manager.post(
        url("nc_record_effectiveness", nc.pk),
        {"result": "effective", "note": "No release without check"},
        follow=True,
    )
    nc.refresh_from_db()
    assert nc.status == S.CLOSED and nc.closed_by == manager
    history = body(response).split('id="status-history"')[1]
    for step in (
        "Open → Corrective action",
        "Corrective action → Effectiveness check",
        "Effectiveness check → Closed",
    ):
        assert step in history


# --- Registries ------------------------------------------------------------------------------


def test_nonconformities_serve_clause_10_2(organisation, viewer, manager, contributor, nc):
    from integrum.standards.evidence import records_for_clauses
    from integrum.standards.models import Clause

    rejected = services.nc_report(
        organisation=organisation, user=contributor, title="Noise", description="Fan"
    )
    services.nc_reject(nc=rejected, reason="Normal", user=manager)
    clauses = {
        (c.standard.code, c.number): c.pk
        for c in Clause.objects.filter(number__in=["10.2", "10.2.2", "9.2"]).select_related("standard")
    }
    found = records_for_clauses(viewer, organisation, clauses.values())
    for code in ("ISO 9001", "ISO 14001"):
        assert [r.reference for r in found[clauses[(code, "10.2")]]] == [nc.reference]
        assert all(r.kind_label != "Nonconformity" for r in found.get(clauses[(code, "9.2")], []))
    assert found[clauses[("ISO 9001", "10.2.2")]][0].covers == "retain"


def test_the_search_box_finds_a_nonconformity_by_reference(as_viewer, nc):
    response = as_viewer.get(reverse("reports:search"), {"q": nc.reference})
    assert response.status_code == 302 and response["Location"] == nc.get_absolute_url()


def test_a_site_limited_member_reports_on_their_own_site(organisation, sites):
    from integrum.conftest import add_member, client_for, make_user
    from integrum.core.models import Role

    jenny = make_user("jenny@acme.test", "Jenny", "Leeds")
    add_member(organisation, jenny, Role.CONTRIBUTOR, sites=[sites[1]])
    client = client_for(jenny)
    form = client.get(url("nc_report")).context["form"]
    assert list(form.fields["site"].queryset) == [sites[1]] and form.initial["site"] == sites[1].pk
    before = counts()
    refused = client.post(url("nc_report"), {"title": "Spill", "description": "Oil", "site": sites[0].pk})
    assert refused.status_code == 400 and counts() == before
    with pytest.raises(ValidationError, match="choose one of yours"):
        services.nc_report(organisation=organisation, user=jenny, title="x", description="y", site=sites[0])
    response = client.post(url("nc_report"), {"title": "Spill", "description": "Oil", "site": sites[1].pk})
    nc = Nonconformity.objects.get()
    assert response["Location"] == nc.get_absolute_url()
    assert client.get(nc.get_absolute_url()).status_code == 200
