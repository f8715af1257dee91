"""The life cycle of a nonconformity: every legal and illegal step, the rules of each, the
signed closure, reopening, the root-cause analysis and the NC raised by a failed evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrum.actions.models import Action
from integrum.actions.services import action_transition
from integrum.conftest import PASSWORD
from integrum.context.tests.factories import make_process
from integrum.core.models import ObjectChange
from integrum.environment import services as env_services
from integrum.environment.tests.factories import make_obligation, scheduled
from integrum.improvement import services
from integrum.improvement.models import CauseEntry, Nonconformity
from integrum.improvement.tests.builders import (
    analyse,
    finish,
    make_finding,
    make_nc,
    to_action,
    to_closed,
    to_verification,
)
from integrum.risks.tests.factories import make_risk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

NC = Nonconformity
S = Nonconformity.Status


def counts():
    return (
        Nonconformity.objects.count(),
        CauseEntry.objects.count(),
        Action.objects.count(),
        ObjectChange.objects.count(),
    )


def transitions_of(nc):
    return list(
        ObjectChange.objects.for_object(nc)
        .filter(action__in=[ObjectChange.Action.TRANSITION, ObjectChange.Action.SIGNATURE])
        .order_by("id")
        .values_list("action", "message")
    )


# --- Creating --------------------------------------------------------------------------------


def test_a_finding_raises_an_open_nc_with_its_site_process_and_grade(organisation, sites, manager):
    process = make_process(organisation, name="Moulding")
    finding = make_finding(organisation, grade="minor", site=sites[0], process=process)
    nc = services.nc_create(
        organisation=organisation,
        title="Release without final check",
        description=finding.statement,
        detected_on=None,
        user=manager,
        source=NC.Source.FINDING,
        finding=finding,
    )
    assert (nc.status, nc.severity, nc.site, nc.process) == (S.OPEN, "minor", sites[0], process)
    assert nc.reference == "NC-0001" and nc.reported_by == manager
    assert nc.detected_on == timezone.localdate()
    second = services.nc_create(
        organisation=organisation,
        title="Another",
        description="Same finding again",
        detected_on=None,
        user=manager,
        source=NC.Source.FINDING,
        finding=finding,
        severity="major",
    )
    assert second.reference == "NC-0002" and second.severity == "major"


@pytest.mark.parametrize(
    ("source", "extra", "field"),
    [
        ("finding", {}, "finding"),
        ("compliance", {}, "evaluation"),
        ("process", {}, "process"),
        ("complaint", {}, "source_detail"),
        ("supplier", {"source_detail": "   "}, "source_detail"),
        ("nonsense", {}, "source"),
    ],
)
def test_each_source_needs_its_link(organisation, manager, source, extra, field):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.nc_create(
            organisation=organisation,
            title="x",
            description="y",
            detected_on=None,
            user=manager,
            source=source,
            severity="minor",
            **extra,
        )
    assert field in caught.value.message_dict
    assert counts() == before


def test_an_observation_or_a_foreign_finding_is_refused(organisation, other_organisation, manager):
    observation = make_finding(organisation, grade="observation")
    foreign = make_finding(other_organisation, grade="major")
    before = counts()
    for finding, text in ((observation, "only major and minor"), (foreign, "of the organisation")):
        with pytest.raises(ValidationError, match=text):
            services.nc_create(
                organisation=organisation,
                title="x",
                description="y",
                detected_on=None,
                user=manager,
                source="finding",
                finding=finding,
            )
    assert counts() == before


def test_bad_fields_are_refused_and_nothing_is_written(organisation, other_organisation, manager, outsider):
    foreign_risk = make_risk(other_organisation)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = counts()
    for kwargs, field in (
        ({"title": " "}, "title"),
        ({"description": ""}, "description"),
        ({"severity": ""}, "severity"),
        ({"severity": "huge"}, "severity"),
        ({"detected_on": tomorrow}, "detected_on"),
        ({"owner": outsider}, "owner"),
        ({"risks": [foreign_risk]}, "risks"),
    ):
        with pytest.raises(ValidationError) as caught:
            make_nc(organisation, manager, **kwargs)
        assert field in caught.value.message_dict, field
    assert counts() == before


def test_a_quick_report_waits_for_triage(organisation, sites, contributor, viewer):
    nc = services.nc_report(
        organisation=organisation,
        user=contributor,
        title="Spill by the gate",
        description="Oil",
        site=sites[1],
    )
    assert (nc.status, nc.source, nc.severity, nc.reported_by) == (S.REPORTED, "report", "", contributor)
    before = counts()
    with pytest.raises(ValidationError, match="contributor"):
        services.nc_report(organisation=organisation, user=viewer, title="x", description="y")
    with pytest.raises(ValidationError):
        services.nc_report(organisation=organisation, user=contributor, title="", description="")
    assert counts() == before


# --- Steps -----------------------------------------------------------------------------------


def at_status(status, organisation, manager, contributor):
    """A nonconformity in `status`."""
    if status == S.REPORTED:
        return services.nc_report(
            organisation=organisation, user=contributor, title="Leak", description="Oil"
        )
    if status == S.REJECTED:
        nc = services.nc_report(organisation=organisation, user=contributor, title="Leak", description="Oil")
        return services.nc_reject(nc=nc, reason="Not ours: the tenant's forklift.", user=manager)
    nc = make_nc(organisation, manager)
    if status == S.OPEN:
        return nc
    if status == S.ACTION:
        return to_action(nc, manager)
    if status == S.VERIFICATION:
        return to_verification(nc, manager)
    return to_closed(nc, manager)


def run_step(step, nc, manager):
    calls = {
        "triage": lambda: services.nc_triage(nc=nc, severity="minor", owner=manager, user=manager),
        "reject": lambda: services.nc_reject(nc=nc, reason="Not a nonconformity", user=manager),
        "start_actions": lambda: services.nc_start_actions(nc=nc, user=manager),
        "request_verification": lambda: services.nc_request_verification(nc=nc, user=manager),
        "record_effectiveness": lambda: services.nc_record_effectiveness(
            nc=nc, result="effective", note="Fine", user=manager
        ),
        "close_signed": lambda: services.nc_close_signed(
            nc=nc, user=manager, password=PASSWORD, justification="Supplier gone"
        ),
        "reopen": lambda: services.nc_reopen(nc=nc, user=manager, reason="It came back"),
    }
    return calls[step]()


ILLEGAL = [
    (status, step)
    for status in S.values
    for step in services.STEP_ROLES
    if step not in services.TRANSITIONS[status]
]


@pytest.mark.parametrize(("status", "step"), ILLEGAL)
def test_every_illegal_step_is_refused_naming_both_statuses(organisation, manager, contributor, status, step):
    nc = at_status(status, organisation, manager, contributor)
    assert nc.status == status
    before = counts()
    with pytest.raises(ValidationError) as caught:
        run_step(step, nc, manager)
    message = " ".join(caught.value.messages)
    target = S(services._step_target(step)).label
    assert S(status).label in message and target in message, message
    assert counts() == before
    nc.refresh_from_db()
    assert nc.status == status


def test_the_transitions_table_covers_every_status():
    assert set(services.TRANSITIONS) == set(S.values)
    assert services.TRANSITIONS[S.REJECTED] == {}
    assert {step for row in services.TRANSITIONS.values() for step in row} == set(services.STEP_ROLES)


def test_triage_and_reject_are_for_managers(organisation, manager, contributor):
    nc = at_status(S.REPORTED, organisation, manager, contributor)
    with pytest.raises(ValidationError, match="manager"):
        services.nc_triage(nc=nc, severity="minor", owner=contributor, user=contributor)
    with pytest.raises(ValidationError, match="manager"):
        services.nc_reject(nc=nc, reason="no", user=contributor)
    with pytest.raises(ValidationError) as caught:
        services.nc_triage(nc=nc, severity="", owner=contributor, user=manager)
    assert "severity" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.nc_triage(nc=nc, severity="minor", owner=None, user=manager)
    assert "owner" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.nc_reject(nc=nc, reason="  ", user=manager)
    assert "reason" in caught.value.message_dict
    nc = services.nc_triage(nc=nc, severity="major", owner=contributor, user=manager)
    assert (nc.status, nc.severity, nc.owner) == (S.OPEN, "major", contributor)
    assert transitions_of(nc) == [("transition", "Reported → Open")]


def test_reject_keeps_the_reason(organisation, manager, contributor):
    nc = at_status(S.REJECTED, organisation, manager, contributor)
    assert nc.status == S.REJECTED and nc.closure_justification == "Not ours: the tenant's forklift."
    assert transitions_of(nc) == [("transition", "Reported → Rejected: Not ours: the tenant's forklift.")]


def test_corrective_action_needs_the_analysis_and_an_action(organisation, manager):
    nc = make_nc(organisation, manager)
    with pytest.raises(ValidationError) as caught:
        services.nc_start_actions(nc=nc, user=manager)
    message = caught.value.messages[0]
    for part in ("root cause", "category", "similar", "corrective action"):
        assert part in message
    action = analyse(nc, manager)
    action_transition(action=action, to=Action.Status.CANCELLED)
    with pytest.raises(ValidationError, match="add at least one corrective action"):
        services.nc_start_actions(nc=nc, user=manager)
    services.nc_action_create(nc=nc, title="Train the setters", created_by=manager)
    nc = services.nc_start_actions(nc=nc, user=manager)
    assert nc.status == S.ACTION
    assert transitions_of(nc) == [("transition", "Open → Corrective action")]


def test_verification_needs_every_action_closed_and_one_done(organisation, manager):
    nc = to_action(make_nc(organisation, manager), manager)
    first = Action.objects.raised_by(nc).get()
    second = services.nc_action_create(nc=nc, title="Check presses 1-3", created_by=manager)
    with pytest.raises(ValidationError, match=r"2 action\(s\) still open"):
        services.nc_request_verification(nc=nc, user=manager)
    finish(first)
    with pytest.raises(ValidationError, match=second.reference):
        services.nc_request_verification(nc=nc, user=manager)
    action_transition(action=second, to=Action.Status.CANCELLED)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.nc_request_verification(nc=nc, effectiveness_due=yesterday, user=manager)
    assert "effectiveness_due" in caught.value.message_dict
    nc = services.nc_request_verification(nc=nc, user=manager)
    assert nc.status == S.VERIFICATION
    assert nc.effectiveness_due == timezone.localdate() + dt.timedelta(days=30)


def test_all_actions_cancelled_is_not_enough(organisation, manager):
    nc = to_action(make_nc(organisation, manager), manager)
    action_transition(action=Action.objects.raised_by(nc).get(), to=Action.Status.CANCELLED)
    with pytest.raises(ValidationError, match="no corrective action is done"):
        services.nc_request_verification(nc=nc, user=manager)


def test_effective_closes_it(organisation, manager, contributor):
    nc = to_verification(make_nc(organisation, manager), manager)
    with pytest.raises(ValidationError) as caught:
        services.nc_record_effectiveness(nc=nc, result="maybe", note="x", user=contributor)
    assert "result" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.nc_record_effectiveness(nc=nc, result="effective", note=" ", user=contributor)
    assert "note" in caught.value.message_dict
    nc = services.nc_record_effectiveness(nc=nc, result="effective", note="No leak since", user=contributor)
    assert (nc.status, nc.effectiveness, nc.closed_by, nc.effectiveness_checked_by) == (
        S.CLOSED,
        "effective",
        contributor,
        contributor,
    )
    assert nc.closed_at is not None
    assert [m for _, m in transitions_of(nc)][-2:] == [
        "Corrective action → Effectiveness check: check due "
        + f"{timezone.localdate() + dt.timedelta(days=30):%d %b %Y}",
        "Effectiveness check → Closed: effective",
    ]


def test_not_effective_goes_back_and_needs_new_actions(organisation, manager):
    nc = to_verification(make_nc(organisation, manager), manager)
    nc = services.nc_record_effectiveness(nc=nc, result="not_effective", note="Leaking again", user=manager)
    assert (nc.status, nc.times_reopened, nc.effectiveness) == (S.ACTION, 1, "not_effective")
    with pytest.raises(ValidationError, match="since it went back"):
        services.nc_request_verification(nc=nc, user=manager)
    action = services.nc_action_create(nc=nc, title="Fit braided hoses", created_by=manager)
    with pytest.raises(ValidationError, match="still open"):
        services.nc_request_verification(nc=nc, user=manager)
    finish(action)
    nc = services.nc_request_verification(nc=nc, user=manager)
    assert nc.status == S.VERIFICATION and nc.effectiveness == ""


def test_signed_closure_needs_a_manager_the_password_and_a_reason(organisation, manager, contributor):
    nc = to_action(make_nc(organisation, manager), manager)
    before = counts()
    with pytest.raises(ValidationError, match="manager"):
        services.nc_close_signed(nc=nc, user=contributor, password=PASSWORD, justification="x")
    with pytest.raises(ValidationError) as caught:
        services.nc_close_signed(nc=nc, user=manager, password="wrong", justification="Supplier delisted")
    assert "password" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.nc_close_signed(nc=nc, user=manager, password=PASSWORD, justification=" ")
    assert "justification" in caught.value.message_dict
    assert counts() == before
    nc.refresh_from_db()
    assert nc.status == S.ACTION and nc.closed_at is None
    nc = services.nc_close_signed(nc=nc, user=manager, password=PASSWORD, justification="Supplier delisted")
    assert (nc.status, nc.closed_by, nc.closure_justification) == (S.CLOSED, manager, "Supplier delisted")
    assert transitions_of(nc)[-1] == (
        "signature",
        f"Closed without verified effectiveness by {manager} ({manager.email}): Supplier delisted",
    )


@pytest.mark.parametrize("status", [S.OPEN, S.ACTION, S.VERIFICATION])
def test_signed_closure_from_every_open_stage(organisation, manager, contributor, status):
    nc = at_status(status, organisation, manager, contributor)
    nc = services.nc_close_signed(nc=nc, user=manager, password=PASSWORD, justification="Site closed")
    assert nc.status == S.CLOSED


def test_reopen(organisation, manager, contributor):
    nc = to_closed(make_nc(organisation, manager), manager)
    with pytest.raises(ValidationError, match="manager"):
        services.nc_reopen(nc=nc, user=contributor, reason="x")
    with pytest.raises(ValidationError) as caught:
        services.nc_reopen(nc=nc, user=manager, reason="")
    assert "reason" in caught.value.message_dict
    nc = services.nc_reopen(nc=nc, user=manager, reason="Leak again at press 4")
    assert (nc.status, nc.times_reopened, nc.closed_at) == (S.ACTION, 1, None)
    assert transitions_of(nc)[-1] == ("transition", "Closed → Corrective action: Leak again at press 4")
    with pytest.raises(ValidationError, match="since it went back to corrective action"):
        # Back under corrective action: verification needs a new action done.
        services.nc_request_verification(nc=nc, user=manager)


def test_closed_and_rejected_records_cannot_change(organisation, manager, contributor):
    for status in (S.CLOSED, S.REJECTED):
        nc = at_status(status, organisation, manager, contributor)
        with pytest.raises(ValidationError, match="reopen"):
            services.nc_update(nc=nc, version=nc.version, title="New")
        with pytest.raises(ValidationError):
            services.nc_action_create(nc=nc, title="x", created_by=manager)
        with pytest.raises(ValidationError):
            services.cause_add(nc=nc, method="five_whys", text="x")


def test_only_reports_and_rejected_ones_are_deleted(organisation, manager, contributor):
    nc = make_nc(organisation, manager)
    with pytest.raises(ValidationError, match="close it instead"):
        services.nc_delete(nc=nc)
    report = at_status(S.REPORTED, organisation, manager, contributor)
    services.nc_delete(nc=report)
    assert not Nonconformity.objects.filter(pk=report.pk).exists()


def test_update_checks_the_fields(organisation, other_organisation, manager, outsider):
    nc = make_nc(organisation, manager)
    risk = make_risk(organisation)
    before = counts()
    for kwargs in (
        {"severity": ""},
        {"owner": outsider},
        {"title": ""},
        {"source_detail": ""},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            services.nc_update(nc=Nonconformity.objects.get(pk=nc.pk), version=nc.version, **kwargs)
    assert counts() == before
    nc = services.nc_update(nc=nc, version=nc.version, risks=[risk], containment="Drip tray placed")
    assert list(nc.risks.all()) == [risk] and nc.containment == "Drip tray placed"


# --- Root-cause analysis ---------------------------------------------------------------------


def test_whys_are_numbered_in_order_and_renumbered(organisation, manager):
    nc = make_nc(organisation, manager)
    entries = [services.cause_add(nc=nc, method="five_whys", text=f"Why {n}") for n in range(1, 4)]
    assert [e.position for e in entries] == [1, 2, 3]
    services.cause_delete(entry=entries[0])
    assert list(nc.causes.order_by("position").values_list("position", "text")) == [
        (1, "Why 2"),
        (2, "Why 3"),
    ]
    for n in range(8):
        services.cause_add(nc=nc, method="five_whys", text=f"More {n}")
    with pytest.raises(ValidationError, match="At most 10"):
        services.cause_add(nc=nc, method="five_whys", text="Eleventh")


def test_fishbone_causes_need_a_6m_category(organisation, manager):
    nc = make_nc(organisation, manager)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.cause_add(nc=nc, method="fishbone", text="Worn seals")
    assert "category" in caught.value.message_dict
    for kwargs in ({"method": "fishbone", "category": "weather", "text": "x"}, {"method": "x", "text": "y"}):
        with pytest.raises(ValidationError):
            services.cause_add(nc=nc, **kwargs)
    with pytest.raises(ValidationError):
        services.cause_add(nc=nc, method="five_whys", text="  ")
    assert counts() == before
    a = services.cause_add(nc=nc, method="fishbone", category="machine", text="Worn seals")
    b = services.cause_add(nc=nc, method="fishbone", category="method", text="No inspection")
    c = services.cause_add(nc=nc, method="fishbone", category="machine", text="Hose too old", is_root=True)
    assert (a.position, b.position, c.position) == (1, 1, 2)
    c = services.cause_update(entry=c, category="method")
    assert (c.category, c.position) == ("method", 2)
    with pytest.raises(ValidationError):
        services.cause_update(entry=c, category="")


# --- From a failed compliance evaluation -----------------------------------------------------


def test_a_failed_evaluation_raises_an_nc(organisation, sites, manager, contributor):
    obligation = make_obligation(organisation, owner=contributor)
    env_services.evaluation_complete(
        evaluation=scheduled(obligation),
        result="not_compliant",
        evidence="Discharge above limit",
        user=manager,
    )
    nc = Nonconformity.objects.get()
    assert (nc.status, nc.source, nc.severity, nc.owner, nc.reported_by) == (
        S.OPEN,
        "compliance",
        "major",
        contributor,
        manager,
    )
    assert obligation.reference in nc.title and "Discharge above limit" in nc.description
    assert nc.evaluation.obligation == obligation
    second = make_obligation(organisation, title="Waste carrier duty of care")
    env_services.evaluation_complete(
        evaluation=scheduled(second), result="partly", evidence="One note", user=manager
    )
    env_services.evaluation_complete(
        evaluation=scheduled(make_obligation(organisation, title="Noise")),
        result="compliant",
        evidence="Fine",
        user=manager,
    )
    assert list(Nonconformity.objects.order_by("number").values_list("severity", "owner")) == [
        ("major", contributor.pk),
        ("minor", None),
    ]
