"""The audit rules: every step of the life cycle, checklists, answers, findings, independence,
grade definitions and the frequency plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from integrum.audits import services
from integrum.audits.models import Audit, ChecklistItem, Finding, GradeDefinition
from integrum.audits.selectors import programme_plan, timeline
from integrum.audits.tests.factories import (
    TODAY,
    answer_all,
    clause,
    iso9001,
    iso14001,
    make_audit,
    make_process,
    reported,
    started,
)
from integrum.conftest import add_member, make_user
from integrum.core.models import Attachment, ObjectChange, Role, Site

pytestmark = pytest.mark.django_db

S = Audit.Status
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def audit(standards, organisation, contributor):
    return make_audit(organisation, lead=contributor)


# --- Create and edit -------------------------------------------------------------------------


def test_audit_gets_a_reference_and_its_links(audit, contributor):
    assert audit.reference == "AUD-0001"
    assert audit.status == S.PLANNED
    assert list(audit.standards.all()) == [iso9001()]
    assert list(audit.clauses.all()) == [clause("8.4.1")]


def test_end_before_start_is_refused(standards, organisation, contributor):
    with pytest.raises(ValidationError, match="cannot end before"):
        make_audit(organisation, lead=contributor, planned_end=TODAY - dt.timedelta(days=1))
    assert not Audit.objects.exists()


def test_clauses_must_belong_to_the_chosen_standards(standards, organisation, contributor):
    with pytest.raises(ValidationError, match="not of the audit's standards"):
        make_audit(organisation, lead=contributor, clauses=[clause("6.1.2", iso14001())])
    assert not Audit.objects.exists()


def test_records_of_another_organisation_are_refused(
    standards, organisation, other_organisation, outsider, contributor
):
    foreign_site = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    foreign_process = make_process(other_organisation, "Theirs")
    with pytest.raises(ValidationError):
        make_audit(organisation, lead=outsider)
    with pytest.raises(ValidationError):
        make_audit(organisation, lead=contributor, sites=[foreign_site])
    with pytest.raises(ValidationError):
        make_audit(organisation, lead=contributor, processes=[foreign_process])
    with pytest.raises(ValidationError):
        make_audit(organisation, lead=contributor, team=[outsider])
    assert not Audit.objects.exists()


def test_delete_only_while_planned(audit, contributor):
    started(audit, contributor)
    with pytest.raises(ValidationError, match="only a planned audit"):
        services.audit_delete(audit=Audit.objects.get(pk=audit.pk))
    other = make_audit(audit.organisation, lead=contributor)
    services.checklist_generate(audit=other)
    services.audit_delete(audit=other)
    assert list(Audit.objects.all()) == [Audit.objects.get(pk=audit.pk)]


# --- Transitions -----------------------------------------------------------------------------


def test_the_good_path_sets_dates_and_logs_each_step(audit, contributor):
    services.checklist_generate(audit=audit)
    audit = services.audit_transition(audit=audit, to=S.PREPARED, user=contributor)
    audit = services.audit_transition(audit=audit, to=S.IN_PROGRESS, user=contributor)
    assert audit.started_on is not None
    audit = reported(audit, contributor)
    assert audit.status == S.REPORTED and audit.reported_on is not None
    audit = services.audit_transition(audit=audit, to=S.IN_PROGRESS, user=contributor)
    assert audit.reported_on is None
    audit = services.audit_transition(audit=audit, to=S.REPORTED, user=contributor)
    audit = services.audit_transition(audit=audit, to=S.CLOSED, user=contributor)
    assert audit.closed_on is not None
    notes = list(
        ObjectChange.objects.for_object(audit)
        .filter(action=ObjectChange.Action.TRANSITION)
        .order_by("time", "pk")
        .values_list("message", flat=True)
    )
    assert notes == [
        "Planned → Prepared",
        "Prepared → In progress",
        "In progress → Reported",
        "Reported → In progress",
        "In progress → Reported",
        "Reported → Closed",
    ]


ILLEGAL = [
    (S.PLANNED, S.IN_PROGRESS),
    (S.PLANNED, S.REPORTED),
    (S.PLANNED, S.CLOSED),
    (S.PREPARED, S.REPORTED),
    (S.PREPARED, S.CLOSED),
    (S.IN_PROGRESS, S.PLANNED),
    (S.IN_PROGRESS, S.PREPARED),
    (S.IN_PROGRESS, S.CLOSED),
    (S.REPORTED, S.PLANNED),
    (S.REPORTED, S.PREPARED),
    (S.REPORTED, S.CANCELLED),
    (S.CLOSED, S.IN_PROGRESS),
    (S.CLOSED, S.CANCELLED),
    (S.CANCELLED, S.PLANNED),
    (S.CANCELLED, S.PREPARED),
]


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_steps_name_both_statuses(audit, current, target, contributor):
    Audit.objects.filter(pk=audit.pk).update(status=current)
    audit.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.audit_transition(audit=audit, to=target, user=contributor)
    message = " ".join(error.value.messages)
    assert S(current).label.lower() in message and S(target).label.lower() in message
    audit.refresh_from_db()
    assert audit.status == current


@pytest.mark.parametrize("current", [S.PLANNED, S.PREPARED, S.IN_PROGRESS])
def test_cancel_from_the_open_statuses(audit, current, contributor):
    Audit.objects.filter(pk=audit.pk).update(status=current)
    audit.refresh_from_db()
    assert services.audit_transition(audit=audit, to=S.CANCELLED, user=contributor).status == S.CANCELLED


def test_prepared_back_to_planned(audit, contributor):
    services.checklist_generate(audit=audit)
    audit = services.audit_transition(audit=audit, to=S.PREPARED, user=contributor)
    assert services.audit_transition(audit=audit, to=S.PLANNED, user=contributor).status == S.PLANNED


def test_prepared_needs_a_lead_auditor_and_a_checklist(standards, organisation, manager):
    audit = make_audit(organisation, lead=None)
    with pytest.raises(ValidationError, match="name a lead auditor and build the checklist"):
        services.audit_transition(audit=audit, to=S.PREPARED, user=manager)
    assert Audit.objects.get(pk=audit.pk).status == S.PLANNED


def test_only_the_team_or_a_manager_moves_an_audit(audit, organisation, manager):
    services.checklist_generate(audit=audit)
    stranger = make_user("sam@acme.test", "Sam", "Stranger")
    add_member(organisation, stranger, Role.CONTRIBUTOR)
    with pytest.raises(ValidationError, match="Only the lead auditor"):
        services.audit_transition(audit=audit, to=S.PREPARED, user=stranger)
    assert services.audit_transition(audit=audit, to=S.PREPARED, user=manager).status == S.PREPARED


def test_reporting_needs_answers_summary_and_findings_for_nonconformities(audit, contributor):
    audit = started(audit, contributor)
    with pytest.raises(ValidationError) as error:
        services.audit_transition(audit=audit, to=S.REPORTED, user=contributor)
    text = " ".join(error.value.messages)
    assert "summary" in text and "open checklist item" in text
    item = audit.checklist.first()
    services.checklist_item_answer(
        item=item, answer="nonconforming", notes="No approval", user=contributor, version=item.version
    )
    answer_all(audit, contributor)
    audit = services.audit_update(
        audit=Audit.objects.get(pk=audit.pk),
        version=Audit.objects.get(pk=audit.pk).version,
        summary="One gap.",
    )
    with pytest.raises(ValidationError, match=f"#{item.position}"):
        services.audit_transition(audit=audit, to=S.REPORTED, user=contributor)
    services.finding_create(
        audit=audit,
        grade="observation",
        clause=item.clause,
        statement="Weak",
        evidence="",
        user=contributor,
        checklist_item=item,
    )
    with pytest.raises(ValidationError, match="major or minor finding"):
        services.audit_transition(audit=audit, to=S.REPORTED, user=contributor)
    services.finding_create(
        audit=audit,
        grade="minor",
        clause=item.clause,
        statement="No approval of supplier X",
        evidence="PO 123",
        user=contributor,
        checklist_item=item,
    )
    assert services.audit_transition(audit=audit, to=S.REPORTED, user=contributor).status == S.REPORTED


def test_an_ended_audit_cannot_be_edited(audit, contributor):
    Audit.objects.filter(pk=audit.pk).update(status=S.CANCELLED)
    audit.refresh_from_db()
    with pytest.raises(ValidationError, match="cancelled"):
        services.audit_update(audit=audit, version=audit.version, title="New")
    assert Audit.objects.get(pk=audit.pk).title != "New"


# --- Checklist -------------------------------------------------------------------------------


def test_generate_from_a_leaf_clause(audit):
    added = services.checklist_generate(audit=audit)
    assert added == len(clause("8.4.1").audit_questions) > 0
    assert [i.question for i in audit.checklist.all()] == clause("8.4.1").audit_questions


def test_a_parent_clause_brings_its_leaf_questions(standards, organisation, contributor):
    audit = make_audit(organisation, lead=contributor, clauses=[clause("9.2")])
    services.checklist_generate(audit=audit)
    clauses_used = set(audit.checklist.values_list("clause__number", flat=True))
    assert {"9.2.1", "9.2.2"} <= clauses_used
    expected = sum(len(clause(n).audit_questions) for n in ("9.2", "9.2.1", "9.2.2"))
    assert audit.checklist.count() == expected


def test_regeneration_keeps_answers_and_custom_items_without_duplicates(audit, contributor):
    services.checklist_generate(audit=audit)
    custom = services.checklist_item_add(audit=audit, question="Are approved supplier lists current?")
    count = audit.checklist.count()
    assert services.checklist_generate(audit=audit) == 0
    assert audit.checklist.count() == count
    services.audit_update(audit=audit, version=audit.version, clauses=[clause("8.4.1"), clause("8.4.2")])
    added = services.checklist_generate(audit=audit)
    assert added == len(clause("8.4.2").audit_questions)
    assert audit.checklist.filter(pk=custom.pk, is_custom=True).exists()
    positions = list(audit.checklist.values_list("position", flat=True))
    assert len(positions) == len(set(positions))
    services.audit_update(
        audit=Audit.objects.get(pk=audit.pk),
        version=Audit.objects.get(pk=audit.pk).version,
        clauses=[clause("8.4.2")],
    )
    services.checklist_generate(audit=audit)
    assert not audit.checklist.filter(clause__number="8.4.1").exists()
    assert audit.checklist.filter(pk=custom.pk).exists()


def test_generate_needs_clauses_and_an_unstarted_audit(standards, organisation, contributor):
    audit = make_audit(organisation, lead=contributor, clauses=[])
    with pytest.raises(ValidationError, match="Choose the clauses"):
        services.checklist_generate(audit=audit)
    audit = make_audit(organisation, lead=contributor)
    audit = started(audit, contributor)
    with pytest.raises(ValidationError, match="before the audit starts"):
        services.checklist_generate(audit=audit)


def test_custom_question_clause_must_be_of_the_audit_standards(audit):
    with pytest.raises(ValidationError, match="audit's standards"):
        services.checklist_item_add(audit=audit, question="Q?", clause=clause("6.1.2", iso14001()))
    with pytest.raises(ValidationError, match="Write the question"):
        services.checklist_item_add(audit=audit, question="  ")
    assert not audit.checklist.exists()


def test_answers_only_while_in_progress_and_notes_for_nc_and_observation(audit, contributor):
    services.checklist_generate(audit=audit)
    item = audit.checklist.first()
    with pytest.raises(ValidationError, match="while it is in progress"):
        services.checklist_item_answer(
            item=item, answer="conforming", notes="", user=contributor, version=item.version
        )
    started(audit, contributor)
    item = ChecklistItem.objects.get(pk=item.pk)
    for answer in ("nonconforming", "observation"):
        with pytest.raises(ValidationError, match="needs notes"):
            services.checklist_item_answer(
                item=item, answer=answer, notes=" ", user=contributor, version=item.version
            )
    with pytest.raises(ValidationError, match="Choose conforming"):
        services.checklist_item_answer(item=item, answer="", notes="", user=contributor, version=item.version)
    assert ChecklistItem.objects.get(pk=item.pk).answer == ""
    item = services.checklist_item_answer(
        item=item, answer="conforming", notes="", user=contributor, version=item.version
    )
    assert item.answered_by == contributor and item.answered_at is not None


def test_evidence_only_during_the_audit(audit, contributor):
    services.checklist_generate(audit=audit)
    item = audit.checklist.first()
    with pytest.raises(ValidationError, match="during the audit"):
        services.checklist_evidence_add(
            item=item, upload=SimpleUploadedFile("p.png", PNG, "image/png"), user=contributor
        )
    started(audit, contributor)
    item = ChecklistItem.objects.get(pk=item.pk)
    attachment = services.checklist_evidence_add(
        item=item, upload=SimpleUploadedFile("p.png", PNG, "image/png"), user=contributor
    )
    assert attachment.content_object == item
    assert Attachment.objects.count() == 1


# --- Findings --------------------------------------------------------------------------------


def test_findings_rules(audit, contributor, organisation, other_organisation):
    with pytest.raises(ValidationError, match="in progress or reported"):
        services.finding_create(
            audit=audit, grade="minor", clause=clause("8.4.1"), statement="X", evidence="", user=contributor
        )
    audit = started(audit, contributor)
    with pytest.raises(ValidationError, match="audit's standards"):
        services.finding_create(
            audit=audit,
            grade="minor",
            clause=clause("8.1", iso14001()),
            statement="X",
            evidence="",
            user=contributor,
        )
    with pytest.raises(ValidationError, match="Say what was found"):
        services.finding_create(
            audit=audit, grade="minor", clause=clause("8.4.1"), statement=" ", evidence="", user=contributor
        )
    other = make_audit(organisation, lead=contributor)
    services.checklist_generate(audit=other)
    with pytest.raises(ValidationError, match="this audit's checklist"):
        services.finding_create(
            audit=audit,
            grade="minor",
            clause=clause("8.4.1"),
            statement="X",
            evidence="",
            user=contributor,
            checklist_item=other.checklist.first(),
        )
    foreign = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    with pytest.raises(ValidationError, match="site"):
        services.finding_create(
            audit=audit,
            grade="minor",
            clause=clause("8.4.1"),
            statement="X",
            evidence="",
            user=contributor,
            site=foreign,
        )
    assert not Finding.objects.exists()
    finding = services.finding_create(
        audit=audit,
        grade="ofi",
        clause=clause("8.4.1"),
        statement="Could score suppliers",
        evidence="",
        user=contributor,
    )
    assert finding.reference == "FND-0001" and not finding.is_nonconformity
    finding = services.finding_update(finding=finding, version=finding.version, grade="minor")
    assert finding.is_nonconformity
    Audit.objects.filter(pk=audit.pk).update(status=S.CLOSED)
    finding = Finding.objects.get(pk=finding.pk)
    with pytest.raises(ValidationError, match="closed"):
        services.finding_update(finding=finding, version=finding.version, statement="Y")
    with pytest.raises(ValidationError, match="closed"):
        services.finding_delete(finding=finding)
    Audit.objects.filter(pk=audit.pk).update(status=S.REPORTED)
    services.finding_delete(finding=Finding.objects.get(pk=finding.pk))
    assert not Finding.objects.exists()


# --- Independence ----------------------------------------------------------------------------


def test_independence_warnings(standards, organisation, contributor, manager, viewer):
    owned = make_process(organisation, "Purchasing", owner=contributor)
    worked = make_process(organisation, "Stores")
    services.auditor_create(organisation=organisation, user=manager, own_processes=[worked])
    services.auditor_create(organisation=organisation, user=viewer, is_active=False)
    audit = make_audit(organisation, lead=contributor, processes=[owned, worked], team=[manager, viewer])
    warnings = services.independence_warnings(audit)
    assert any("Carl Contributor (lead auditor) owns" in w for w in warnings)
    assert any("Carl Contributor (lead auditor) is not a registered auditor" in w for w in warnings)
    assert any("Mia Manager (team member) works in" in w and "Stores" in w for w in warnings)
    assert any("no longer an active auditor" in w for w in warnings)
    assert len(warnings) == 4
    clean = make_audit(organisation, lead=manager, processes=[owned])
    assert services.independence_warnings(clean) == []


def test_auditor_rules(standards, organisation, other_organisation, contributor, outsider):
    with pytest.raises(ValidationError, match="not a member"):
        services.auditor_create(organisation=organisation, user=outsider)
    services.auditor_create(organisation=organisation, user=contributor)
    with pytest.raises(ValidationError, match="already registered"):
        services.auditor_create(organisation=organisation, user=contributor)
    foreign = make_process(other_organisation, "Theirs")
    from integrum.audits.models import Auditor

    auditor_obj = Auditor.objects.get()
    with pytest.raises(ValidationError, match="processes of the organisation"):
        services.auditor_update(auditor=auditor_obj, version=auditor_obj.version, own_processes=[foreign])
    assert Auditor.objects.count() == 1


# --- Grades ----------------------------------------------------------------------------------


def test_grade_definitions_created_once_and_reworded(organisation):
    definitions = services.grade_definitions(organisation)
    assert list(definitions) == ["major", "minor", "observation", "ofi"]
    assert "intended results" in definitions["major"].definition
    services.grade_definitions(organisation)
    assert GradeDefinition.objects.count() == 4
    major = definitions["major"]
    with pytest.raises(ValidationError):
        services.grade_definition_update(grade_definition=major, version=major.version, definition=" ")
    updated = services.grade_definition_update(
        grade_definition=major, version=major.version, definition="Ours", response="Fix fast"
    )
    assert updated.definition == "Ours"


# --- Programme plan --------------------------------------------------------------------------


def test_programme_delete_refused_while_it_has_audits(standards, organisation, contributor):
    programme = services.programme_create(
        organisation=organisation,
        title="2026",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        standards=[iso9001()],
    )
    with pytest.raises(ValidationError, match="cannot end before"):
        services.programme_update(
            programme=programme, version=programme.version, end_date=dt.date(2025, 1, 1)
        )
    make_audit(organisation, lead=contributor, programme=programme)
    with pytest.raises(ValidationError, match="1 audit"):
        services.programme_delete(programme=programme)


def _risk(organisation, process, likelihood, consequence, user):
    from integrum.risks.services import risk_create

    return risk_create(
        organisation=organisation,
        created_by=user,
        title=f"Risk of {process.name}",
        inherent_likelihood=likelihood,
        inherent_consequence=consequence,
        standards=[iso9001()],
        source=process,
    )


def test_programme_plan_follows_risk_and_findings(
    standards, organisation, contributor, manager, django_assert_max_num_queries
):
    programme = services.programme_create(
        organisation=organisation,
        title="2026",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        standards=[iso9001()],
    )
    high = make_process(organisation, "Welding")
    low = make_process(organisation, "Reception")
    make_process(organisation, "Stores")
    found = make_process(organisation, "Purchasing")
    _risk(organisation, high, 5, 5, manager)
    _risk(organisation, low, 1, 1, manager)
    _risk(organisation, found, 1, 1, manager)
    # A clean audit of `low`, and an audit of `found` with a minor nonconformity, both last year.
    for process, grade in ((low, None), (found, "minor")):
        audit = started(
            make_audit(
                organisation,
                lead=contributor,
                processes=[process],
                planned_start=dt.date(2025, 5, 1),
                planned_end=dt.date(2025, 5, 2),
            ),
            contributor,
        )
        if grade:
            item = audit.checklist.first()
            services.checklist_item_answer(
                item=item, answer="nonconforming", notes="Gap", user=contributor, version=item.version
            )
            services.finding_create(
                audit=audit,
                grade=grade,
                clause=item.clause,
                statement="Gap",
                evidence="",
                user=contributor,
                checklist_item=item,
                process=process,
            )
        reported(audit, contributor)
    make_audit(
        organisation,
        lead=contributor,
        processes=[high],
        programme=programme,
        planned_start=dt.date(2026, 4, 1),
        planned_end=dt.date(2026, 4, 1),
    )
    with django_assert_max_num_queries(6):
        rows = {row.process.name: row for row in programme_plan(programme)}
    assert rows["Welding"].risk_level in ("high", "critical") and rows["Welding"].interval_months == 6
    assert rows["Welding"].planned_audit is not None and not rows["Welding"].due_not_planned
    assert rows["Reception"].interval_months == 24 and rows["Reception"].last_audited is not None
    assert rows["Stores"].risk_level is None and rows["Stores"].interval_months == 12
    assert rows["Stores"].due_not_planned and rows["Stores"].next_due == programme.start_date
    assert rows["Purchasing"].minors == 1 and rows["Purchasing"].interval_months == 12
    # The query count does not grow with the processes.
    for n in range(5):
        make_process(organisation, f"Extra {n}")
    with django_assert_max_num_queries(6):
        assert len(programme_plan(programme)) == 9


def test_timeline_marks_planned_and_done(standards, organisation, contributor):
    programme = services.programme_create(
        organisation=organisation,
        title="2026",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        standards=[iso9001()],
    )
    make_audit(
        organisation,
        lead=contributor,
        programme=programme,
        planned_start=dt.date(2026, 3, 2),
        planned_end=dt.date(2026, 4, 10),
    )
    data = timeline(programme)
    assert len(data.months) == 12
    assert data.rows[0].planned == (2, 3) and data.rows[0].done is None
    assert "timeline__planned" in data.svg and "timeline__done" not in data.svg


def test_only_the_audit_team_or_a_manager_answers_and_adds_evidence(
    audit, organisation, contributor, manager
):
    services.checklist_generate(audit=audit)
    started(audit, contributor)
    item = ChecklistItem.objects.filter(audit=audit).first()
    bystander = make_user("bystander@example.com", "Bea", "Stander")
    add_member(organisation, bystander, Role.CONTRIBUTOR)
    with pytest.raises(ValidationError, match="audit team"):
        services.checklist_item_answer(
            item=item, answer="conforming", notes="", user=bystander, version=item.version
        )
    with pytest.raises(ValidationError, match="audit team"):
        services.checklist_evidence_add(
            item=item, upload=SimpleUploadedFile("p.png", PNG, "image/png"), user=bystander
        )
    assert ChecklistItem.objects.get(pk=item.pk).answer == "" and not Attachment.objects.exists()
    item = services.checklist_item_answer(
        item=item, answer="conforming", notes="", user=manager, version=item.version
    )
    assert item.answered_by == manager
