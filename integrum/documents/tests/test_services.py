from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from integrum.conftest import PASSWORD
from integrum.core.models import ObjectChange, Role, StaleEdit
from integrum.core.signatures import SIGNATURE_ATTEMPTS
from integrum.documents import services
from integrum.documents.models import ApprovalStep, Document, DocumentRevision, Kind, NumberingRule
from integrum.documents.services import StepSpec
from integrum.documents.tests.factories import make_document, make_effective, make_revision, pdf_upload

pytestmark = pytest.mark.django_db

R = DocumentRevision.Status


def test_it_numbers_per_kind_with_the_organisations_rule(organisation, manager):
    NumberingRule.objects.create(organisation=organisation, kind=Kind.PROCEDURE, prefix="QP", padding=4)
    first = make_document(organisation, manager)
    second = make_document(organisation, manager)
    policy = make_document(organisation, manager, kind=Kind.POLICY)
    assert (first.reference, second.reference, policy.reference) == ("QP-0001", "QP-0002", "POL-001")


def test_it_runs_the_whole_life_cycle(organisation, manager, contributor):
    document = make_document(organisation, contributor)
    first = make_effective(document, contributor, manager, PASSWORD)
    document.refresh_from_db()
    assert first.status == R.EFFECTIVE and document.current_revision == first
    assert document.status == Document.Status.EFFECTIVE and document.next_review_date is not None
    second = make_effective(
        document, contributor, manager, PASSWORD, body="Two kits now.", change_summary="More kits."
    )
    first.refresh_from_db()
    assert (first.status, second.status) == (R.SUPERSEDED, R.EFFECTIVE)
    assert DocumentRevision.objects.filter(document=document, status=R.EFFECTIVE).count() == 1
    signature = ObjectChange.objects.filter(action=ObjectChange.Action.SIGNATURE).first()
    assert signature.actor_label == str(manager) or signature.message.startswith("Approved by")
    services.document_withdraw(document=document, reason="Replaced by the site manual.")
    second.refresh_from_db()
    assert (
        second.status == R.WITHDRAWN
        and Document.objects.get(pk=document.pk).status == Document.Status.OBSOLETE
    )


def test_sequence_steps_sign_in_order_and_need_the_password(organisation, manager, contributor, admin_user):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor)
    services.revision_submit(
        revision=revision,
        steps=[StepSpec(kind="review", assignee=contributor), StepSpec(kind="approve", role=Role.MANAGER)],
    )
    review, approval = revision.steps.order_by("position")
    with pytest.raises(ValidationError, match="Earlier reviewers"):
        services.revision_sign(step=approval, user=manager, password=PASSWORD)
    with pytest.raises(ValidationError, match="password is not correct"):
        services.revision_sign(step=review, user=contributor, password="wrong")
    with pytest.raises(ValidationError, match="not yours"):
        services.revision_sign(step=review, user=manager, password=PASSWORD)
    services.revision_sign(step=review, user=contributor, password=PASSWORD)
    services.revision_sign(step=approval, user=admin_user, password=PASSWORD)  # admin holds manager's rights
    assert DocumentRevision.objects.get(pk=revision.pk).status == R.EFFECTIVE


def test_rejection_returns_the_revision_to_draft(organisation, manager, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor)
    services.revision_submit(revision=revision, steps=[StepSpec(kind="approve", assignee=manager)])
    with pytest.raises(ValidationError):
        services.revision_reject(step=revision.steps.get(), user=manager, reason=" ")
    services.revision_reject(step=revision.steps.get(), user=manager, reason="Section 3 contradicts WI-004.")
    revision.refresh_from_db()
    assert revision.status == R.DRAFT and revision.rejection_reason.startswith("Section 3")


def test_a_future_effective_date_waits_for_the_daily_publish(organisation, manager, contributor):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor)
    later = timezone.localdate() + datetime.timedelta(days=10)
    services.revision_submit(
        revision=revision, steps=[StepSpec(kind="approve", assignee=manager)], effective_date=later
    )
    services.revision_sign(step=revision.steps.get(), user=manager, password=PASSWORD)
    assert DocumentRevision.objects.get(pk=revision.pk).status == R.APPROVED
    assert services.revisions_publish_due(today=later - datetime.timedelta(days=1)) == 0
    assert services.revisions_publish_due(today=later) == 1
    assert DocumentRevision.objects.get(pk=revision.pk).status == R.EFFECTIVE


@pytest.mark.parametrize("start", list(services.TRANSITIONS))
def test_every_illegal_step_is_refused(organisation, manager, contributor, start):
    revision = make_revision(make_document(organisation, contributor), contributor)
    DocumentRevision.objects.filter(pk=revision.pk).update(status=start)
    revision.refresh_from_db()
    for target in R.values:
        if target in services.TRANSITIONS[start]:
            continue
        with pytest.raises(ValidationError):
            services._move(revision, target)
    if start != R.DRAFT:
        with pytest.raises(ValidationError):
            services.revision_submit(revision=revision, steps=[StepSpec(kind="approve", assignee=manager)])
    if start != R.APPROVED:
        with pytest.raises(ValidationError):
            services.revision_make_effective(revision=revision)


def test_it_refuses_bad_submissions(organisation, manager, contributor, viewer):
    revision = make_revision(make_document(organisation, contributor), contributor)
    for steps in (
        [],
        [StepSpec(kind="review", assignee=manager)],
        [StepSpec(kind="approve", assignee=viewer)],
        [StepSpec(kind="approve")],
        [StepSpec(kind="approve", role="boss")],
    ):
        with pytest.raises(ValidationError):
            services.revision_submit(revision=revision, steps=steps)
    assert (
        DocumentRevision.objects.get(pk=revision.pk).status == R.DRAFT and not ApprovalStep.objects.exists()
    )


def test_a_stale_draft_edit_is_refused(organisation, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor)
    other = DocumentRevision.objects.get(pk=revision.pk)
    services.revision_update(revision=revision, version=revision.version, body="Mine first.")
    with pytest.raises(StaleEdit):
        services.revision_update(revision=other, version=other.version, body="Theirs, lost?")
    assert DocumentRevision.objects.get(pk=revision.pk).body == "Mine first."


def test_records_are_kept_until_disposal_and_while_on_hold(organisation, manager):
    record = make_document(organisation, manager, kind=Kind.RECORD, retention_months=12, legal_hold=True)
    make_effective(record, manager, manager, PASSWORD)
    record.refresh_from_db()
    assert record.disposal_date is not None
    with pytest.raises(ValidationError, match="legal hold"):
        services.document_delete(document=record)
    Document.objects.filter(pk=record.pk).update(legal_hold=False)
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="disposal date"):
        services.document_delete(document=record)
    Document.objects.filter(pk=record.pk).update(disposal_date=timezone.localdate())
    record.refresh_from_db()
    services.document_delete(document=record)
    assert not Document.objects.filter(pk=record.pk).exists()


def test_uploads_are_checked_and_text_extracted(organisation, contributor):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor, body="", upload=pdf_upload())
    assert revision.sha256 and "Spill kit" in revision.extracted_text
    other = make_document(organisation, contributor)
    from integrum.core.files import in_memory

    with pytest.raises(ValidationError):
        make_revision(other, contributor, body="", upload=in_memory(b"MZ\x90\x00" * 100, "manual.pdf"))
    assert not other.revisions.exists()


def test_acknowledgement_needs_distribution(organisation, manager, contributor, viewer):
    document = make_document(organisation, contributor, distribution_roles=[Role.VIEWER])
    revision = make_effective(document, contributor, manager, PASSWORD)
    services.acknowledge(revision=revision, user=viewer)
    with pytest.raises(ValidationError, match="already"):
        services.acknowledge(revision=revision, user=viewer)
    with pytest.raises(ValidationError, match="not distributed"):
        services.acknowledge(revision=revision, user=manager)


@pytest.mark.django_db(transaction=True)
def test_two_approvers_signing_at_once_approve_exactly_once(organisation, manager, admin_user, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor)
    revision.routing = DocumentRevision.Routing.PARALLEL
    revision.save()
    services.revision_submit(
        revision=revision,
        steps=[StepSpec(kind="approve", assignee=manager), StepSpec(kind="approve", assignee=admin_user)],
    )
    steps = list(revision.steps.all())
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def sign(step: ApprovalStep) -> None:
        try:
            barrier.wait()
            assert step.assignee is not None
            services.revision_sign(step=step, user=step.assignee, password=PASSWORD)
        except Exception as error:  # collected and reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DocumentRevision.objects.get(pk=revision.pk).status == R.EFFECTIVE
    assert ObjectChange.objects.filter(action=ObjectChange.Action.SIGNATURE).count() == 2
    effective_moves = ObjectChange.objects.filter(message="Approved → Effective")
    assert effective_moves.count() == 1


def test_wrong_signature_passwords_are_throttled(organisation, manager, contributor):
    from django.core.cache import cache

    cache.clear()
    revision = make_revision(make_document(organisation, contributor), contributor)
    services.revision_submit(revision=revision, steps=[StepSpec(kind="approve", assignee=manager)])
    step = revision.steps.get()
    for _ in range(SIGNATURE_ATTEMPTS):
        with pytest.raises(ValidationError, match="not correct"):
            services.revision_sign(step=step, user=manager, password="guess")
    with pytest.raises(ValidationError, match="Too many"):
        services.revision_sign(step=step, user=manager, password=PASSWORD)
    assert ApprovalStep.objects.get(pk=step.pk).status == ApprovalStep.Status.PENDING
    cache.clear()


def test_it_refuses_absurd_month_counts_and_viewer_signers(organisation, manager, contributor):
    with pytest.raises(ValidationError, match="months"):
        make_document(organisation, manager, kind=Kind.RECORD, retention_months=99_999_999)
    revision = make_revision(make_document(organisation, contributor), contributor)
    with pytest.raises(ValidationError, match="Viewers do not sign"):
        services.revision_submit(revision=revision, steps=[StepSpec(kind="approve", role=Role.VIEWER)])
