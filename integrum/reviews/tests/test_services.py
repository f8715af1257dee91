"""Review services: scheduling, compiling every input, the compilers' figures, outputs and their
actions, coverage, the signature rules and every illegal step."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from integrum.actions.models import Action
from integrum.actions.services import action_transition
from integrum.audits.models import Grade
from integrum.conftest import PASSWORD
from integrum.context.tests.factories import make_issue
from integrum.core.changelog import acting_as
from integrum.core.models import ObjectChange
from integrum.improvement.models import Nonconformity
from integrum.reviews import services
from integrum.reviews.inputs import CATALOGUE, specs_for
from integrum.reviews.models import ManagementReview, ReviewInput, ReviewOutput
from integrum.reviews.tests.builders import make_audit, make_finding, make_nc, make_review
from integrum.standards.models import Standard

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

S = ManagementReview.Status
TODAY = dt.datetime(2025, 7, 2, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def compiled(review, key):
    return ReviewInput.objects.get(review=review, key=key).compiled


def tables(data):
    return {t["title"]: t for t in data["tables"]}


# --- Scheduling ------------------------------------------------------------------------------


def test_a_review_gets_a_reference_and_a_default_period(organisation, manager):
    review = make_review(organisation, chair=manager, period_start=None, period_end=None)
    assert review.reference == "MR-0001"
    assert review.period_start == dt.date(2024, 6, 30)
    assert review.period_end == dt.date(2025, 6, 30)


def test_the_period_starts_the_day_after_the_last_signed_review(organisation):
    ManagementReview.objects.create(
        organisation=organisation,
        number=99,
        reference="MR-0099",
        title="Old",
        scheduled_for=dt.date(2024, 12, 1),
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 11, 30),
        status=S.SIGNED,
    )
    review = make_review(organisation, period_start=None)
    assert review.period_start == dt.date(2024, 12, 1)


def test_bad_input_creates_nothing(organisation, outsider):
    with pytest.raises(ValidationError):
        make_review(organisation, standards=[])
    with pytest.raises(ValidationError):
        make_review(organisation, chair=outsider)
    with pytest.raises(ValidationError):
        make_review(organisation, attendees=[outsider])
    with pytest.raises(ValidationError):
        make_review(organisation, period_start=dt.date(2025, 7, 1), period_end=dt.date(2025, 6, 1))
    assert ManagementReview.objects.count() == 0


def test_only_a_planned_review_can_be_deleted(organisation):
    review = make_review(organisation)
    services.review_compile(review=review)
    with pytest.raises(ValidationError, match="only a planned review"):
        services.review_delete(review=review)
    assert ManagementReview.objects.count() == 1
    other = make_review(organisation)
    services.review_delete(review=other)
    assert ManagementReview.objects.count() == 1


# --- Compiling -------------------------------------------------------------------------------


def test_compile_creates_every_catalogue_input_and_logs_the_step(organisation, manager):
    review = make_review(organisation)
    with acting_as(manager):
        services.review_compile(review=review)
    review.refresh_from_db()
    assert review.status == S.COMPILED and review.compiled_at is not None
    keys = list(review.inputs.values_list("key", flat=True))
    assert keys == [spec.key for spec in CATALOGUE]
    for item in review.inputs.all():
        assert set(item.compiled) == {"summary", "tables", "empty"}
        assert item.compiled["summary"]
    note = ObjectChange.objects.for_object(review).filter(action=ObjectChange.Action.TRANSITION).get()
    assert note.message == "Planned → Inputs compiled"


def test_a_review_of_one_standard_gets_only_its_inputs(organisation):
    review = make_review(organisation, standards=[Standard.objects.get(code="ISO 9001")])
    services.review_compile(review=review)
    keys = set(review.inputs.values_list("key", flat=True))
    assert "significant_aspects" not in keys and "compliance" not in keys
    assert keys == {spec.key for spec in specs_for(["ISO 9001"])}


def test_refreshing_keeps_minutes_and_text_written_by_hand(organisation):
    review = make_review(organisation)
    services.review_compile(review=review)
    item = review.inputs.get(key="customer_satisfaction")
    services.input_update(
        review_input=item, version=item.version, minutes="Discussed.", manual="Survey: 8.1/10"
    )
    make_nc(organisation, dt.date(2025, 3, 1))
    services.review_compile(review=review)
    item.refresh_from_db()
    assert (item.minutes, item.manual) == ("Discussed.", "Survey: 8.1/10")
    assert review.inputs.count() == len(CATALOGUE)
    assert "1 nonconformity detected" in compiled(review, "nonconformities")["summary"][0]
    messages = list(ObjectChange.objects.for_object(review).values_list("message", flat=True))
    assert "Inputs compiled → Inputs refreshed" in messages


def test_nonconformities_count_only_those_of_the_period(organisation, other_organisation):
    for day in (dt.date(2025, 1, 5), dt.date(2025, 2, 10), dt.date(2025, 2, 20)):
        make_nc(organisation, day, source=Nonconformity.Source.SUPPLIER, cause_category="material")
    make_nc(organisation, dt.date(2024, 12, 31))  # before the period
    make_nc(other_organisation, dt.date(2025, 2, 1))  # another organisation
    make_nc(organisation, dt.date(2025, 3, 1), status=Nonconformity.Status.REJECTED)
    review = make_review(organisation)
    services.review_compile(review=review)
    data = compiled(review, "nonconformities")
    assert data["summary"][0].startswith("3 nonconformities detected")
    found = tables(data)
    assert found["By month"]["rows"] == [["Jan 2025", 1], ["Feb 2025", 2]]
    assert found["By source"]["rows"] == [["Supplier", 3]]
    assert found["By cause (6M)"]["rows"] == [["Material", 3]]
    assert "4 open now" in data["summary"][0]
    suppliers = compiled(review, "external_providers")
    assert suppliers["summary"][0].startswith("3 nonconformities")
    assert len(tables(suppliers)["Supplier nonconformities"]["rows"]) == 3


def test_audit_results_and_improvement_count_audits_of_the_period(organisation):
    audit = make_audit(organisation, dt.date(2025, 3, 3))
    make_finding(audit, Grade.MINOR, "8.5.1")
    make_finding(audit, Grade.MINOR, "7.5.3")
    make_finding(audit, Grade.OFI, "8.5.1")
    old = make_audit(organisation, dt.date(2024, 10, 1))
    make_finding(old, Grade.MAJOR)
    review = make_review(organisation)
    services.review_compile(review=review)
    data = compiled(review, "audit_results")
    assert data["summary"][0] == "1 audit in the period: 1 planned."
    assert "3 findings" in data["summary"][1]
    groups = {row[0]: row for row in tables(data)["Findings by clause group"]["rows"]}
    assert groups["8 Operation"][-1] == 2 and groups["7 Support"][-1] == 1
    improvement = compiled(review, "improvement")
    assert len(tables(improvement)["Opportunities for improvement and observations"]["rows"]) == 1


def test_previous_review_actions_are_reported_with_their_status(organisation, manager, contributor):
    earlier = make_review(
        organisation,
        title="Review 2024",
        scheduled_for=dt.date(2024, 12, 1),
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 11, 30),
    )
    services.review_compile(review=earlier)
    outputs = [
        services.output_create(
            review=earlier,
            kind="improvement",
            decision=f"Decision {n}",
            created_by=manager,
            owner=contributor,
            due_date=dt.date(2025, 3, 1),
        )
        for n in range(3)
    ]
    action_transition(action=outputs[0].action, to=Action.Status.DONE, outcome="Done.")
    action_transition(action=outputs[1].action, to=Action.Status.IN_PROGRESS)
    review = make_review(organisation)
    services.review_compile(review=review)
    data = compiled(review, "previous_actions")
    assert data["summary"] == [
        "3 decisions of earlier reviews: 1 done, 2 still open (2 overdue), 0 cancelled."
    ]
    rows = tables(data)["Decisions of earlier reviews and their actions"]["rows"]
    assert {row[3] for row in rows} == {"Done", "In progress", "Open"}
    # The earlier review itself does not see its own decisions as "previous".
    services.review_compile(review=earlier)
    assert compiled(earlier, "previous_actions")["empty"] is True


def test_context_changes_since_the_period_start(organisation):
    with time_machine.travel(dt.datetime(2024, 11, 1, tzinfo=dt.UTC), tick=False):
        make_issue(organisation, title="Before the period")
    with time_machine.travel(dt.datetime(2025, 5, 1, tzinfo=dt.UTC), tick=False):
        make_issue(organisation, title="Energy prices")
        make_issue(organisation, title="New customer in e-mobility")
    make_issue(organisation, title="After the period")
    review = make_review(organisation)
    services.review_compile(review=review)
    data = compiled(review, "context_changes")
    assert data["summary"][0].startswith("2 changes")
    rows = tables(data)["Context issues added or changed"]["rows"]
    assert sorted(row[1] for row in rows) == ["Energy prices", "New customer in e-mobility"]


def test_compile_costs_the_same_for_little_and_much_data(organisation, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    review = make_review(organisation)
    services.review_compile(review=review)  # warm caches (content types)

    def run() -> int:
        with CaptureQueriesContext(connection) as captured:
            services.review_compile(review=review)
        return len(captured.captured_queries)

    make_nc(organisation, dt.date(2025, 2, 1))
    audit = make_audit(organisation, dt.date(2025, 3, 3))
    make_finding(audit, Grade.MINOR)
    make_issue(organisation, title="One")
    few = run()
    for n in range(6):
        make_nc(organisation, dt.date(2025, 1 + n, 2), source=Nonconformity.Source.COMPLAINT)
        make_finding(make_audit(organisation, dt.date(2025, 2 + n % 4, 3)), Grade.OFI)
        make_issue(organisation, title=f"Issue {n}")
    many = run()
    assert few == many


def test_compile_reads_the_kpis_once_for_the_inputs_that_share_them(organisation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    review = make_review(organisation)
    with CaptureQueriesContext(connection) as captured:
        services.review_compile(review=review)
    kpi_reads = [q for q in captured.captured_queries if 'FROM "performance_kpi"' in q["sql"]]
    # Process performance and monitoring results both show the KPIs' status.
    assert len(kpi_reads) == 1, [q["sql"][:120] for q in kpi_reads]


# --- Inputs, outputs -------------------------------------------------------------------------


def test_outputs_raise_actions_and_withdrawing_one_cancels_its_action(organisation, manager, contributor):
    review = make_review(organisation)
    with pytest.raises(ValidationError, match="once the inputs are compiled"):
        services.output_create(review=review, kind="improvement", decision="x", created_by=manager)
    services.review_compile(review=review)
    output = services.output_create(
        review=review,
        kind="resources",
        decision="Hire a second quality engineer",
        input_key="resources",
        owner=contributor,
        created_by=manager,
    )
    action = output.action
    assert action.title == "MR-0001: Hire a second quality engineer"
    assert list(Action.objects.raised_by(output)) == [action]
    services.output_delete(output=output)
    action.refresh_from_db()
    assert action.status == Action.Status.CANCELLED
    assert ReviewOutput.objects.count() == 0


def test_bad_outputs_change_nothing(organisation, manager, outsider):
    review = make_review(organisation)
    services.review_compile(review=review)
    actions = Action.objects.count()
    for fields in (
        {"kind": "nonsense", "decision": "x"},
        {"kind": "change", "decision": "  "},
        {"kind": "change", "decision": "x", "input_key": "no_such_input"},
        {"kind": "change", "decision": "x", "owner": outsider},
    ):
        with pytest.raises(ValidationError):
            services.output_create(review=review, created_by=manager, **fields)
    assert ReviewOutput.objects.count() == 0 and Action.objects.count() == actions


# --- Coverage --------------------------------------------------------------------------------


def test_coverage_needs_minutes_and_text_for_inputs_written_by_hand(organisation):
    review = make_review(organisation)
    assert not any(entry.covered for entry in services.coverage(review))
    services.review_compile(review=review)
    objectives = review.inputs.get(key="objectives")
    services.input_update(review_input=objectives, version=objectives.version, minutes="All on track.")
    resources = review.inputs.get(key="resources")
    services.input_update(review_input=resources, version=resources.version, minutes="Discussed.")
    found = {entry.spec.key: entry for entry in services.coverage(review)}
    assert found["objectives"].covered
    assert not found["resources"].covered and "written by hand" in found["resources"].why
    assert not found["nonconformities"].covered and found["nonconformities"].why == "No minutes yet."
    per_standard = dict(services.clause_coverage(review, list(found.values())))
    iso_14001 = {c.label: c.covered for c in per_standard[Standard.objects.get(code="ISO 14001")]}
    assert iso_14001["9.3 c)"] is True and iso_14001["9.3 e)"] is False


# --- Signing, cancelling ---------------------------------------------------------------------


def _ready(review, chair):
    services.review_compile(review=review)
    review.refresh_from_db()
    return services.review_update(
        review=review,
        version=review.version,
        held_on=dt.date(2025, 7, 1),
        conclusions="Suitable and effective.",
        attendees=[chair],
    )


def test_the_chair_signs_with_the_password(organisation, contributor):
    review = _ready(make_review(organisation, chair=contributor), contributor)
    with acting_as(contributor):
        services.review_sign(review=review, user=contributor, password=PASSWORD)
    review.refresh_from_db()
    assert review.status == S.SIGNED and review.signed_by == contributor
    note = ObjectChange.objects.for_object(review).filter(action=ObjectChange.Action.SIGNATURE).get()
    assert note.message == f"Management review approved by {contributor} ({contributor.email})"
    # Signed: nothing changes any more.
    item = review.inputs.first()
    with pytest.raises(ValidationError):
        services.input_update(review_input=item, version=item.version, minutes="later")
    with pytest.raises(ValidationError):
        services.review_compile(review=review)
    with pytest.raises(ValidationError):
        services.review_cancel(review=review)
    with pytest.raises(ValidationError):
        services.review_update(review=review, version=review.version, title="x")


def test_wrong_password_or_wrong_person_changes_nothing(organisation, contributor, viewer, manager):
    review = _ready(make_review(organisation, chair=manager), manager)
    before = ObjectChange.objects.count()
    with pytest.raises(ValidationError, match="password"):
        services.review_sign(review=review, user=manager, password="wrong")
    with pytest.raises(ValidationError, match="chair"):
        services.review_sign(review=review, user=contributor, password=PASSWORD)
    review.refresh_from_db()
    assert review.status == S.COMPILED and review.signed_by is None
    assert ObjectChange.objects.count() == before


def test_signing_needs_date_conclusions_and_attendees(organisation, manager):
    review = make_review(organisation, chair=manager)
    with pytest.raises(ValidationError, match="only a review with compiled inputs"):
        services.review_sign(review=review, user=manager, password=PASSWORD)
    services.review_compile(review=review)
    with pytest.raises(ValidationError) as refused:
        services.review_sign(review=review, user=manager, password=PASSWORD)
    text = " ".join(refused.value.messages)
    assert "date the meeting was held" in text and "conclusions" in text and "who attended" in text


def test_illegal_transitions(organisation):
    review = make_review(organisation)
    services.review_cancel(review=review, reason="Merged with the next one")
    note = ObjectChange.objects.for_object(review).filter(action=ObjectChange.Action.TRANSITION).get()
    assert note.message == "Planned → Cancelled: Merged with the next one"
    for step in (
        lambda: services.review_compile(review=review),
        lambda: services.review_cancel(review=review),
        lambda: services.review_delete(review=review),
    ):
        with pytest.raises(ValidationError):
            step()
    review.refresh_from_db()
    assert review.status == S.CANCELLED


def test_stale_input_edit_is_refused(organisation):
    from integrum.core.models import StaleEdit

    review = make_review(organisation)
    services.review_compile(review=review)
    item = review.inputs.get(key="objectives")
    version = item.version
    services.input_update(review_input=item, version=version, minutes="First")
    stale = ReviewInput.objects.get(pk=item.pk)
    with pytest.raises(StaleEdit):
        services.input_update(review_input=stale, version=version, minutes="Second")
    item.refresh_from_db()
    assert item.minutes == "First"
