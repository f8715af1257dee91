"""Document control in "my work" and on the home page: reviews due, signatures waiting, documents
to read; each for the right person only, and at a fixed number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrum.conftest import PASSWORD
from integrum.core.models import Organisation, Role, User
from integrum.documents.models import Document, DocumentRevision, Kind
from integrum.documents.services import (
    StepSpec,
    acknowledge,
    document_update,
    revision_sign,
    revision_submit,
)
from integrum.documents.tests.factories import make_document, make_effective, make_revision
from integrum.reports.selectors import approvals_waiting, my_work, reviews_due, to_acknowledge

pytestmark = pytest.mark.django_db


def page(client: Client, name: str = "reports:my_work") -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return str(response.content.decode())


def in_force(organisation: Organisation, owner: User, approver: User, **fields: Any) -> Document:
    document = make_document(organisation, owner, **fields)
    make_effective(document, owner, approver, PASSWORD)
    document.refresh_from_db()
    return document


def review_on(document: Document, days: int) -> Document:
    """Move the next periodic review `days` from today (negative: overdue)."""
    return document_update(
        document=document,
        version=document.version,
        next_review_date=timezone.localdate() + datetime.timedelta(days=days),
    )


def in_review(
    organisation: Organisation, author: User, steps: list[StepSpec], **fields: Any
) -> DocumentRevision:
    revision = make_revision(make_document(organisation, author, **fields), author)
    return revision_submit(revision=revision, steps=steps)


# --- Periodic reviews --------------------------------------------------------------------------


def test_it_lists_my_documents_due_for_review_overdue_first(
    organisation: Organisation, contributor: User, manager: User, as_contributor: Client
) -> None:
    soon = review_on(in_force(organisation, contributor, manager, title="Due soon"), 10)
    late = review_on(in_force(organisation, contributor, manager, title="Long overdue"), -30)
    review_on(in_force(organisation, contributor, manager, title="Far away"), 200)
    review_on(in_force(organisation, manager, manager, title="Someone else's"), -5)
    make_document(organisation, contributor, title="Never effective")

    assert list(reviews_due(contributor, organisation)) == [late, soon]
    html = page(as_contributor)
    assert html.index("Long overdue") < html.index("Due soon")
    assert "Review overdue" in html and "Review due" in html
    assert "Far away" not in html and "Someone else" not in html and "Never effective" not in html
    assert late.get_absolute_url() in html


# --- Signatures --------------------------------------------------------------------------------


def test_it_lists_the_steps_i_may_sign_now(
    organisation: Organisation, contributor: User, manager: User, admin_user: User, as_manager: Client
) -> None:
    mine = in_review(organisation, contributor, [StepSpec(kind="approve", assignee=manager)], title="Named")
    by_role = in_review(
        organisation,
        contributor,
        [StepSpec(kind="approve", role=Role.CONTRIBUTOR)],
        title="Open to contributors",
    )
    in_review(organisation, contributor, [StepSpec(kind="approve", role=Role.ADMIN)], title="Admins only")
    in_review(organisation, contributor, [StepSpec(kind="approve", assignee=admin_user)], title="For Ada")

    assert [step.revision for step in approvals_waiting(manager, organisation)] == [mine, by_role]
    html = page(as_manager)
    assert "Named" in html and "Open to contributors" in html and "Approval to sign · any contributor" in html
    assert "Admins only" not in html and "For Ada" not in html
    assert mine.get_absolute_url() in html


def test_a_step_in_sequence_waits_for_the_earlier_ones(
    organisation: Organisation, contributor: User, manager: User, admin_user: User
) -> None:
    revision = in_review(
        organisation,
        contributor,
        [StepSpec(kind="review", assignee=admin_user), StepSpec(kind="approve", assignee=manager)],
    )
    assert not approvals_waiting(manager, organisation).exists()
    assert approvals_waiting(admin_user, organisation).count() == 1

    revision_sign(step=revision.steps.get(assignee=admin_user), user=admin_user, password=PASSWORD)

    assert not approvals_waiting(admin_user, organisation).exists()
    assert [step.assignee for step in approvals_waiting(manager, organisation)] == [manager]


def test_steps_in_parallel_wait_for_everyone_at_once(
    organisation: Organisation, contributor: User, manager: User, admin_user: User
) -> None:
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor, routing=DocumentRevision.Routing.PARALLEL)
    revision_submit(
        revision=revision,
        steps=[StepSpec(kind="review", assignee=admin_user), StepSpec(kind="approve", assignee=manager)],
    )

    assert approvals_waiting(manager, organisation).count() == 1
    assert approvals_waiting(admin_user, organisation).count() == 1


def test_signed_rejected_and_finished_steps_leave_my_work(
    organisation: Organisation, contributor: User, manager: User
) -> None:
    revision = in_review(organisation, contributor, [StepSpec(kind="approve", assignee=manager)])
    revision_sign(step=revision.steps.get(), user=manager, password=PASSWORD)

    assert not approvals_waiting(manager, organisation).exists()


# --- Read and acknowledge ----------------------------------------------------------------------


def test_it_lists_what_i_must_read_by_name_or_role_until_i_acknowledge_it(
    organisation: Organisation, contributor: User, manager: User, viewer: User, as_viewer: Client
) -> None:
    named = in_force(organisation, contributor, manager, title="Named for Vera", distribution_users=[viewer])
    by_role = in_force(
        organisation, contributor, manager, title="For all viewers", distribution_roles=[Role.VIEWER]
    )
    both = in_force(
        organisation,
        contributor,
        manager,
        title="Named and by role",
        distribution_users=[viewer, manager],
        distribution_roles=[Role.VIEWER, Role.MANAGER],
    )
    in_force(organisation, contributor, manager, title="For managers", distribution_roles=[Role.MANAGER])
    make_document(organisation, contributor, title="Draft for viewers", distribution_roles=[Role.VIEWER])

    assert list(to_acknowledge(viewer, organisation)) == [named, by_role, both]
    html = page(as_viewer)
    assert "Named for Vera" in html and "For all viewers" in html and "To read" in html
    assert "For managers" not in html and "Draft for viewers" not in html

    acknowledge(revision=named.revisions.get(), user=viewer)
    assert list(to_acknowledge(viewer, organisation)) == [by_role, both]


def test_a_new_revision_asks_to_be_read_again(
    organisation: Organisation, contributor: User, manager: User, viewer: User
) -> None:
    document = in_force(organisation, contributor, manager, distribution_users=[viewer])
    acknowledge(revision=document.revisions.get(), user=viewer)
    assert not to_acknowledge(viewer, organisation).exists()

    make_effective(document, contributor, manager, PASSWORD, change_summary="Second kit.", body="Two kits.")

    assert list(to_acknowledge(viewer, organisation)) == [document]


# --- Everyone else, the home page and the cost -------------------------------------------------


def test_an_outsider_sees_none_of_our_document_work(
    organisation: Organisation, contributor: User, manager: User, outsider: User, as_outsider: Client
) -> None:
    review_on(
        in_force(
            organisation,
            contributor,
            manager,
            title="Our overdue manual",
            distribution_roles=list(Role.values),
        ),
        -3,
    )
    in_review(
        organisation, contributor, [StepSpec(kind="approve", role=Role.MANAGER)], title="Our draft policy"
    )

    html = page(as_outsider) + page(as_outsider, "reports:home")
    assert "Our overdue manual" not in html and "Our draft policy" not in html
    work = my_work(outsider, organisation)
    assert (work.reviews, work.approvals, work.to_read) == ([], [], [])
    headlines = as_outsider.get(reverse("reports:home")).context["headlines"]
    assert (headlines.reviews_overdue, headlines.approvals_waiting, headlines.to_read) == (0, 0, 0)


def test_the_home_page_counts_reviews_overdue_signatures_and_reading(
    organisation: Organisation, contributor: User, manager: User, as_manager: Client
) -> None:
    review_on(in_force(organisation, contributor, manager, title="Late one"), -3)
    review_on(in_force(organisation, contributor, manager, title="Late two"), -1)
    review_on(in_force(organisation, contributor, manager, kind=Kind.POLICY, distribution_users=[manager]), 5)
    in_review(organisation, contributor, [StepSpec(kind="approve", assignee=manager)])

    response = as_manager.get(reverse("reports:home"))

    headlines = response.context["headlines"]
    assert (headlines.reviews_overdue, headlines.approvals_waiting, headlines.to_read) == (2, 1, 1)
    html = response.content.decode()
    assert "Document reviews overdue" in html and "Approvals waiting for me" in html and "To read" in html
    assert reverse("documents:document_list") + "?review=overdue" in html


def make_work(organisation: Organisation, owner: User, signer: User, reader: User, count: int) -> None:
    for number in range(count):
        review_on(
            in_force(organisation, owner, signer, title=f"Due {number}", distribution_users=[reader]),
            -number,
        )
        in_review(organisation, owner, [StepSpec(kind="approve", role=Role.MANAGER)], title=f"Sign {number}")


@pytest.mark.parametrize("name", ["reports:my_work", "reports:home"])
def test_my_work_costs_the_same_queries_for_one_document_or_many(
    organisation: Organisation,
    manager: User,
    admin_user: User,
    as_manager: Client,
    count_queries: Any,
    name: str,
) -> None:
    make_work(organisation, manager, admin_user, manager, 1)
    one = count_queries(lambda: as_manager.get(reverse(name)))

    make_work(organisation, manager, admin_user, manager, 6)

    assert count_queries(lambda: as_manager.get(reverse(name))) == one
    work = my_work(manager, organisation)
    assert (len(work.reviews), len(work.approvals), len(work.to_read)) == (7, 7, 7)
