"""The `documents/`, `document-revisions/` and `acknowledgements/` endpoints: the same rules,
workflow and signatures as the pages, and nothing reachable from outside the organisation."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integrum.conftest import PASSWORD, add_member
from integrum.core.dates import add_months
from integrum.core.models import ObjectChange, Role, Site
from integrum.core.tests.test_api import api_client, changes_of, error_of
from integrum.documents import services
from integrum.documents.models import (
    Acknowledgement,
    ApprovalStep,
    Document,
    DocumentRevision,
    Download,
    Kind,
    PeriodicReview,
)
from integrum.documents.services import StepSpec
from integrum.documents.tests.factories import make_document, make_effective, make_revision, pdf_bytes
from integrum.standards.models import Clause

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/documents"
REVISIONS = "/api/v1/document-revisions"
ACKNOWLEDGEMENTS = "/api/v1/acknowledgements"

R = DocumentRevision.Status


# --- Helpers ---------------------------------------------------------------------------------


def stored_files() -> list[str]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def snapshot() -> tuple[Any, ...]:
    """Everything the endpoints could change: rows, versions, statuses, the change log and the files."""
    return (
        list(Document.objects.order_by("pk").values_list("pk", "title", "status", "version")),
        list(DocumentRevision.objects.order_by("pk").values_list("pk", "label", "status", "body", "version")),
        list(ApprovalStep.objects.order_by("pk").values_list("pk", "status", "signed_by_id")),
        Acknowledgement.objects.count(),
        PeriodicReview.objects.count(),
        Download.objects.count(),
        ObjectChange.objects.count(),
        stored_files(),
    )


def upload(data: bytes | None = None, name: str = "spills.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data)


def submit(client: Any, revision: DocumentRevision, *steps: dict[str, Any], **extra: Any) -> Any:
    return client.post(f"{REVISIONS}/{revision.pk}/submit/", {"steps": list(steps), **extra}, format="json")


def sign(client: Any, revision: DocumentRevision, step: ApprovalStep, password: str = PASSWORD) -> Any:
    return client.post(
        f"{REVISIONS}/{revision.pk}/sign/", {"step": step.pk, "password": password}, format="json"
    )


def in_review(document: Document, author: Any, *steps: StepSpec) -> DocumentRevision:
    revision = make_revision(document, author)
    services.revision_submit(revision=revision, steps=list(steps))
    revision.refresh_from_db()
    return revision


def clause(code: str, number: str) -> Clause:
    return Clause.objects.get(standard__code=code, number=number)


def zip_bomb_docx() -> bytes:
    """A DOCX that is 20 kB packed and 20 MB unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr("word/document.xml", "<w:document>" + " " * (20 * 1024 * 1024) + "</w:document>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a word document")
    return buffer.getvalue()


def multipart(fields: dict[str, Any], filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand: the test client would strip folders from the name itself."""
    boundary = "integrum-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- The whole life cycle --------------------------------------------------------------------


def test_it_runs_the_whole_life_cycle(
    standards, organisation, sites, admin_user, manager, contributor, viewer
):
    author, first_approver, second_approver = (
        api_client(contributor),
        api_client(manager),
        api_client(admin_user),
    )
    policy_clauses = [clause("ISO 9001", "5.2"), clause("ISO 14001", "5.2")]

    # Create.
    response = author.post(
        f"{DOCUMENTS}/",
        {
            "kind": "policy",
            "title": "Quality and environmental policy",
            "sites": [sites[0].pk],
            "clauses": [c.pk for c in policy_clauses],
            "distribution_roles": ["viewer"],
            "review_interval_months": 12,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["status"], body["owner"], body["current_revision"]) == (
        "POL-001",
        "draft",
        contributor.pk,
        None,
    )
    assert [c["reference"] for c in body["clauses"]] == ["ISO 9001:2015/5.2", "ISO 14001:2015/5.2"]
    document = Document.objects.get(pk=body["id"])
    assert changes_of(document)[0].actor_id == contributor.pk

    # Upload the first revision.
    response = author.post(
        f"{REVISIONS}/",
        {"document": document.pk, "change_summary": "First issue.", "file": upload()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    first = response.json()
    assert (first["label"], first["status"], first["original_name"], first["has_file"]) == (
        "1",
        "draft",
        "spills.pdf",
        True,
    )
    assert first["sha256"] == hashlib.sha256(pdf_bytes()).hexdigest()
    assert (first["mime_type"], first["text_status"]) == ("application/pdf", "done")

    # Submit to two approvers in sequence: a person, then anyone holding the admin role.
    response = submit(
        author,
        DocumentRevision(pk=first["id"]),
        {"kind": "approve", "assignee": manager.pk},
        {"kind": "approve", "role": "admin"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    steps = response.json()["steps"]
    assert [(s["position"], s["assignee"], s["role"], s["is_waiting"]) for s in steps] == [
        (1, manager.pk, "", True),
        (2, None, "admin", False),
    ]
    revision = DocumentRevision.objects.get(pk=first["id"])
    step_one, step_two = revision.steps.order_by("position")

    # Sign, one after the other.
    response = sign(first_approver, revision, step_one)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review"
    signed = response.json()["steps"][0]
    assert (signed["status"], signed["signed_by"], signed["meaning"]) == ("signed", manager.pk, "Approved")
    assert signed["signed_at"] is not None and response.json()["steps"][1]["is_waiting"]
    response = sign(second_approver, revision, step_two)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "effective" and response.json()["approved_at"] is not None

    body = api_client(viewer).get(f"{DOCUMENTS}/{document.pk}/").json()
    assert body["status"] == "effective"
    assert (body["current_revision"]["id"], body["current_revision"]["label"]) == (revision.pk, "1")
    assert body["next_review_date"] == add_months(timezone.localdate(), 12).isoformat()

    # A second revision, written in the app, supersedes the first.
    response = author.post(
        f"{REVISIONS}/",
        {"document": document.pk, "change_summary": "Adds the climate commitment.", "body": "We act."},
        format="json",
    )
    assert response.status_code == 201, response.content
    second = DocumentRevision.objects.get(pk=response.json()["id"])
    assert (second.label, second.has_file) == ("2", False)
    response = submit(author, second, {"kind": "approve", "assignee": manager.pk})
    assert response.status_code == 200, response.content
    response = sign(first_approver, second, second.steps.get())
    assert response.json()["status"] == "effective"
    assert author.get(f"{REVISIONS}/{revision.pk}/").json()["status"] == "superseded"
    assert DocumentRevision.objects.filter(document=document, status=R.EFFECTIVE).get() == second

    # Read and acknowledge.
    response = api_client(viewer).post(f"{ACKNOWLEDGEMENTS}/", {"revision": second.pk}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["user"], response.json()["label"]) == (viewer.pk, "2")
    readers = author.get(f"{DOCUMENTS}/{document.pk}/acknowledgements/").json()
    assert (readers["revision"], [r["user"] for r in readers["acknowledged"]]) == (second.pk, [viewer.pk])

    # Withdraw: obsolete, with its effective revision withdrawn.
    response = api_client(manager).post(
        f"{DOCUMENTS}/{document.pk}/withdraw/", {"reason": "Merged into the manual."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["withdrawn_reason"]) == (
        "obsolete",
        "Merged into the manual.",
    )
    statuses = {
        r["label"]: r["status"] for r in author.get(f"{REVISIONS}/?document={document.pk}").json()["results"]
    }
    assert statuses == {"1": "superseded", "2": "withdrawn"}


def test_it_logs_signatures_attributed_to_the_token_user(organisation, manager, admin_user, contributor):
    document = make_document(organisation, contributor)
    revision = in_review(
        document,
        contributor,
        StepSpec(kind="review", assignee=manager),
        StepSpec(kind="approve", assignee=admin_user),
    )
    review, approval = revision.steps.order_by("position")
    assert sign(api_client(manager), revision, review).status_code == 200
    assert sign(api_client(admin_user), revision, approval).status_code == 200
    signatures = ObjectChange.objects.filter(action=ObjectChange.Action.SIGNATURE).order_by("id")
    assert [(s.actor_id, s.object_id, s.message.split(" by ")[0]) for s in signatures] == [
        (manager.pk, str(review.pk), "Reviewed"),
        (admin_user.pk, str(approval.pk), "Approved"),
    ]
    assert signatures[0].message == f"Reviewed by {manager} ({manager.email})"


def test_it_lets_a_contributor_sign_their_own_step(organisation, manager, contributor):
    document = make_document(organisation, manager)
    revision = in_review(document, manager, StepSpec(kind="approve", assignee=contributor))
    response = sign(api_client(contributor), revision, revision.steps.get())
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "effective"


def test_it_leaves_a_revision_approved_until_its_effective_date(organisation, manager, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor)
    later = timezone.localdate() + datetime.timedelta(days=7)
    client = api_client(contributor)
    response = submit(
        client, revision, {"kind": "approve", "assignee": manager.pk}, effective_date=later.isoformat()
    )
    assert response.json()["effective_date"] == later.isoformat()
    response = sign(api_client(manager), revision, revision.steps.get())
    assert response.json()["status"] == "approved"
    assert Document.objects.get(pk=revision.document_id).status == Document.Status.DRAFT


def test_it_returns_a_rejected_revision_to_draft(organisation, manager, contributor):
    revision = in_review(
        make_document(organisation, contributor), contributor, StepSpec(kind="approve", assignee=manager)
    )
    response = api_client(manager).post(
        f"{REVISIONS}/{revision.pk}/reject/",
        {"step": revision.steps.get().pk, "reason": "Section 3 contradicts WI-004."},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["rejection_reason"]) == ("draft", "Section 3 contradicts WI-004.")
    assert body["steps"][0]["status"] == "rejected"
    # Back in draft, it is edited and sent again.
    response = api_client(contributor).patch(
        f"{REVISIONS}/{revision.pk}/", {"body": "Fixed section 3.", "version": body["version"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (
        submit(api_client(contributor), revision, {"kind": "approve", "assignee": manager.pk}).status_code
        == 200
    )


# --- Illegal steps ---------------------------------------------------------------------------


@pytest.fixture
def two_step_revision(organisation, manager, admin_user, contributor) -> DocumentRevision:
    """In review: first the manager, then the admin, in sequence."""
    return in_review(
        make_document(organisation, contributor),
        contributor,
        StepSpec(kind="approve", assignee=manager),
        StepSpec(kind="approve", assignee=admin_user),
    )


def test_it_refuses_to_sign_twice(two_step_revision, manager):
    first, _ = two_step_revision.steps.order_by("position")
    assert sign(api_client(manager), two_step_revision, first).status_code == 200
    before = snapshot()
    error = error_of(sign(api_client(manager), two_step_revision, first), 400)
    assert (error["code"], error["message"]) == ("invalid", "This step has already been signed or closed.")
    assert snapshot() == before


def test_it_refuses_to_sign_out_of_order(two_step_revision, admin_user):
    _, second = two_step_revision.steps.order_by("position")
    before = snapshot()
    error = error_of(sign(api_client(admin_user), two_step_revision, second), 400)
    assert error["message"] == "Earlier reviewers or approvers have not signed yet."
    assert snapshot() == before


def test_it_refuses_to_sign_someone_elses_step(two_step_revision, contributor, admin_user):
    first, _ = two_step_revision.steps.order_by("position")
    before = snapshot()
    for user in (contributor, admin_user):
        error = error_of(sign(api_client(user), two_step_revision, first), 400)
        assert error["message"] == "This signature is not yours to give."
    response = api_client(contributor).post(
        f"{REVISIONS}/{two_step_revision.pk}/reject/", {"step": first.pk, "reason": "No."}, format="json"
    )
    assert error_of(response, 400)["message"] == "This decision is not yours to take."
    assert snapshot() == before


def test_it_refuses_a_step_of_another_revision(two_step_revision, organisation, manager, contributor):
    other = in_review(
        make_document(organisation, contributor), contributor, StepSpec(kind="approve", assignee=manager)
    )
    before = snapshot()
    error = error_of(sign(api_client(manager), two_step_revision, other.steps.get()), 400)
    assert error["fields"] == {"step": [f"Revision 1 has no step with id {other.steps.get().pk}."]}
    assert snapshot() == before


def test_it_refuses_a_wrong_password(two_step_revision, manager):
    first, _ = two_step_revision.steps.order_by("position")
    before = snapshot()
    error = error_of(sign(api_client(manager), two_step_revision, first, password="guess"), 400)
    assert error["fields"] == {"password": ["The password is not correct: the signature was not recorded."]}
    assert "guess" not in str(error)
    assert snapshot() == before
    assert not ObjectChange.objects.filter(action=ObjectChange.Action.SIGNATURE).exists()


def test_it_refuses_to_submit_a_revision_that_is_not_a_draft(two_step_revision, manager, contributor):
    before = snapshot()
    error = error_of(
        submit(api_client(contributor), two_step_revision, {"kind": "approve", "assignee": manager.pk}), 400
    )
    assert error["message"] == "Revision 1 is in review: it cannot become in review."
    assert snapshot() == before


def test_it_refuses_to_edit_a_revision_that_is_not_a_draft(two_step_revision, contributor):
    before = snapshot()
    response = api_client(contributor).patch(
        f"{REVISIONS}/{two_step_revision.pk}/",
        {"body": "Sneaky edit.", "version": two_step_revision.version},
        format="json",
    )
    assert error_of(response, 400)["message"] == "Only a draft revision can be edited."
    assert snapshot() == before


def test_it_refuses_to_acknowledge_a_draft(organisation, contributor, viewer):
    document = make_document(organisation, contributor, distribution_roles=[Role.VIEWER])
    revision = make_revision(document, contributor)
    before = snapshot()
    response = api_client(viewer).post(f"{ACKNOWLEDGEMENTS}/", {"revision": revision.pk}, format="json")
    assert error_of(response, 400)["message"] == "Only the effective revision is acknowledged."
    assert snapshot() == before


def test_it_refuses_to_acknowledge_what_was_not_distributed(organisation, manager, contributor, viewer):
    document = make_document(organisation, contributor, distribution_users=[contributor])
    revision = make_effective(document, contributor, manager, PASSWORD)
    before = snapshot()
    response = api_client(viewer).post(f"{ACKNOWLEDGEMENTS}/", {"revision": revision.pk}, format="json")
    assert error_of(response, 400)["message"] == "This document is not distributed to you."
    assert snapshot() == before
    # Once is enough, too.
    assert (
        api_client(contributor)
        .post(f"{ACKNOWLEDGEMENTS}/", {"revision": revision.pk}, format="json")
        .status_code
        == 201
    )
    before = snapshot()
    response = api_client(contributor).post(f"{ACKNOWLEDGEMENTS}/", {"revision": revision.pk}, format="json")
    assert error_of(response, 400)["message"] == "You have already acknowledged this revision."
    assert snapshot() == before


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        ([{"kind": "review", "assignee": "manager"}], "steps"),
        ([{"kind": "approve"}], "steps"),
        ([{"kind": "approve", "assignee": "manager", "role": "admin"}], "steps"),
        ([{"kind": "approve", "assignee": "viewer"}], "steps"),
        ([{"kind": "approve", "assignee": "outsider"}], "steps.0.assignee"),
        ([{"kind": "approve", "role": "boss"}], "steps.0.role"),
        ([{"kind": "sign", "assignee": "manager"}], "steps.0.kind"),
    ],
)
def test_it_refuses_a_bad_submission(organisation, manager, contributor, viewer, outsider, steps, field):
    people = {"manager": manager.pk, "viewer": viewer.pk, "outsider": outsider.pk}
    steps = [{k: people.get(v, v) if k == "assignee" else v for k, v in step.items()} for step in steps]
    revision = make_revision(make_document(organisation, contributor), contributor)
    before = snapshot()
    error = error_of(submit(api_client(contributor), revision, *steps), 400)
    assert list(error["fields"]) == [field]
    assert snapshot() == before


def test_it_refuses_a_second_revision_in_progress_and_revisions_of_obsolete_documents(
    organisation, manager, contributor
):
    document = make_document(organisation, contributor)
    make_revision(document, contributor)
    client = api_client(contributor)
    payload = {"document": document.pk, "change_summary": "Another.", "body": "Text."}
    before = snapshot()
    error = error_of(client.post(f"{REVISIONS}/", payload, format="json"), 400)
    assert "already has a revision in progress" in error["message"]
    assert snapshot() == before
    services.document_withdraw(document=document, reason="Gone.")
    before = snapshot()
    error = error_of(client.post(f"{REVISIONS}/", payload, format="json"), 400)
    assert error["message"] == "The document is obsolete: it takes no new revision."
    error = error_of(
        client.patch(f"{DOCUMENTS}/{document.pk}/", {"title": "New", "version": 2}, format="json"), 400
    )
    assert error["message"] == "An obsolete document cannot be edited."
    error = error_of(
        api_client(manager).post(f"{DOCUMENTS}/{document.pk}/withdraw/", {"reason": "Again."}, format="json"),
        400,
    )
    assert error["message"] == "The document is already obsolete."
    assert snapshot() == before


def test_it_needs_a_file_or_text_but_not_both(organisation, contributor):
    document = make_document(organisation, contributor)
    client = api_client(contributor)
    before = snapshot()
    for payload in (
        {"document": document.pk, "change_summary": "Nothing."},
        {"document": document.pk, "change_summary": "Both.", "body": "Text.", "file": upload()},
    ):
        error = error_of(client.post(f"{REVISIONS}/", payload, format="multipart"), 400)
        assert error["message"] == "Give the revision either a file or text, not both and not neither."
    error = error_of(client.post(f"{REVISIONS}/", {"document": document.pk, "body": "x"}, format="json"), 400)
    assert list(error["fields"]) == ["change_summary"]
    assert snapshot() == before


# --- Versions --------------------------------------------------------------------------------


def test_it_updates_a_document_with_its_version(organisation, sites, contributor, manager, viewer):
    document = make_document(organisation, contributor)
    response = api_client(contributor).patch(
        f"{DOCUMENTS}/{document.pk}/",
        {
            "title": "Spill response",
            "owner": manager.pk,
            "sites": [sites[1].pk],
            "distribution_users": [viewer.pk],
            "distribution_roles": ["contributor"],
            "version": 1,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["owner"], body["sites"], body["version"]) == (
        "Spill response",
        manager.pk,
        [sites[1].pk],
        2,
    )
    assert (body["distribution_users"], body["distribution_roles"]) == ([viewer.pk], ["contributor"])
    change = next(c for c in changes_of(document) if c.action == ObjectChange.Action.UPDATE)
    assert change.actor_id == contributor.pk and change.after["title"] == "Spill response"


def test_it_refuses_stale_edits_with_409(organisation, contributor):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor)
    client = api_client(contributor)
    assert (
        client.patch(
            f"{DOCUMENTS}/{document.pk}/", {"title": "Mine", "version": 1}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.patch(
            f"{REVISIONS}/{revision.pk}/", {"body": "Mine.", "version": 1}, format="json"
        ).status_code
        == 200
    )
    before = snapshot()
    response = client.patch(f"{DOCUMENTS}/{document.pk}/", {"title": "Theirs", "version": 1}, format="json")
    assert error_of(response, 409)["code"] == "stale_edit"
    response = client.patch(f"{REVISIONS}/{revision.pk}/", {"body": "Theirs.", "version": 1}, format="json")
    assert error_of(response, 409)["code"] == "stale_edit"
    assert snapshot() == before


def test_it_requires_the_version_on_update(organisation, contributor):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor)
    client = api_client(contributor)
    before = snapshot()
    error = error_of(client.patch(f"{DOCUMENTS}/{document.pk}/", {"title": "X"}, format="json"), 400)
    assert list(error["fields"]) == ["version"]
    error = error_of(client.patch(f"{REVISIONS}/{revision.pk}/", {"body": "X"}, format="json"), 400)
    assert list(error["fields"]) == ["version"]
    assert snapshot() == before


# --- Uploads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("procedure.pdf", b"MZ\x90\x00\x03\x00\x00\x00" * 512, "The file's content is not a PDF file"),
        ("procedure.exe", b"MZ\x90\x00\x03\x00\x00\x00" * 512, "This kind of file is not accepted"),
        ("procedure.docx", "zip-bomb", "unpacks to far more than its size"),
        ("procedure.docx", "plain-zip", "The file's content is not a DOCX file"),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_it_refuses_malicious_uploads_and_stores_nothing(organisation, contributor, name, data, message):
    data = {"zip-bomb": zip_bomb_docx, "plain-zip": plain_zip}[data]() if isinstance(data, str) else data
    document = make_document(organisation, contributor)
    before = snapshot()
    response = api_client(contributor).post(
        f"{REVISIONS}/",
        {"document": document.pk, "change_summary": "Upload.", "file": upload(data, name)},
        format="multipart",
    )
    assert message in str(error_of(response, 400))
    assert snapshot() == before and stored_files() == []


def test_it_refuses_an_oversized_upload(settings, organisation, contributor):
    settings.INTEGRUM_UPLOAD_MAX_BYTES = 1024 * 1024
    document = make_document(organisation, contributor)
    before = snapshot()
    response = api_client(contributor).post(
        f"{REVISIONS}/",
        {
            "document": document.pk,
            "change_summary": "Big.",
            "file": upload(b"a" * (2 * 1024 * 1024), "big.txt"),
        },
        format="multipart",
    )
    assert error_of(response, 400)["message"] == "The file is 2.0 MB; the limit is 1 MB."
    assert snapshot() == before and stored_files() == []


@pytest.mark.parametrize(
    "name", ["../../../etc/spills.pdf", "..\\..\\windows\\spills.pdf", "/tmp/x/spills.pdf"]
)
def test_it_keeps_only_the_bare_name_of_an_upload(organisation, contributor, name):
    document = make_document(organisation, contributor)
    body, content_type = multipart({"document": document.pk, "change_summary": "Upload."}, name, pdf_bytes())
    response = api_client(contributor).post(f"{REVISIONS}/", body, content_type=content_type)
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "spills.pdf"
    revision = DocumentRevision.objects.get(pk=response.json()["id"])
    (stored,) = stored_files()
    assert stored == f"org-{organisation.pk}/documents/{document.pk}/{revision.storage_name}"
    assert ".." not in revision.file.name


def test_it_serves_the_original_file_and_logs_the_download(organisation, manager, contributor, viewer):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor, body="", upload=upload())
    response = api_client(viewer).get(f"{REVISIONS}/{revision.pk}/download/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="spills.pdf"'
    (download,) = Download.objects.all()
    assert (download.user, download.revision, download.copy, download.organisation_id) == (
        viewer,
        revision,
        Download.Copy.ORIGINAL,
        organisation.pk,
    )


def test_it_answers_404_when_the_file_is_missing_from_storage(organisation, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor, body="", upload=upload())
    revision.file.storage.delete(revision.file.name)
    error = error_of(api_client(contributor).get(f"{REVISIONS}/{revision.pk}/download/"), 404)
    assert error["message"] == "The file of this revision is missing from storage."
    assert not Download.objects.exists()


def test_it_has_no_file_to_download_for_a_text_revision(organisation, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor)
    assert api_client(contributor).get(f"{REVISIONS}/{revision.pk}/").json()["download"] is None
    error = error_of(api_client(contributor).get(f"{REVISIONS}/{revision.pk}/download/"), 404)
    assert error["message"] == "This revision was written in the app: it has no file."
    assert not Download.objects.exists()


# --- Reading ---------------------------------------------------------------------------------


def test_it_shows_a_document_with_its_revision_clauses_distribution_and_record_fields(
    standards, organisation, manager, contributor, viewer
):
    record = make_document(
        organisation,
        contributor,
        kind=Kind.RECORD,
        title="Waste transfer notes",
        clauses=[clause("ISO 14001", "7.5.3")],
        distribution_users=[viewer],
        distribution_roles=[Role.MANAGER],
        retention_months=36,
        legal_hold=True,
    )
    revision = make_effective(record, contributor, manager, PASSWORD)
    Document.objects.filter(pk=record.pk).update(
        next_review_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    body = api_client(viewer).get(f"{DOCUMENTS}/{record.pk}/").json()
    assert (body["reference"], body["kind"], body["is_record"], body["review_state"]) == (
        "REC-001",
        "record",
        True,
        "overdue",
    )
    assert body["current_revision"] == {
        "id": revision.pk,
        "label": "1",
        "status": "effective",
        "effective_date": timezone.localdate().isoformat(),
        "effective_at": body["current_revision"]["effective_at"],
        "original_name": "",
        "sha256": "",
    }
    assert body["clauses"] == [
        {
            "id": clause("ISO 14001", "7.5.3").pk,
            "reference": "ISO 14001:2015/7.5.3",
            "title": clause("ISO 14001", "7.5.3").title,
        }
    ]
    assert (body["distribution_users"], body["distribution_roles"]) == ([viewer.pk], ["manager"])
    assert (body["retention_months"], body["legal_hold"]) == (36, True)
    assert body["disposal_date"] == add_months(timezone.localdate(), 36).isoformat()
    readers = api_client(viewer).get(f"{DOCUMENTS}/{record.pk}/acknowledgements/").json()
    assert readers["acknowledged"] == []
    assert {r["user"] for r in readers["pending"]} == {viewer.pk, manager.pk}


def test_it_shows_a_revision_with_its_steps_and_text(organisation, manager, contributor):
    document = make_document(organisation, contributor)
    revision = make_effective(document, contributor, manager, PASSWORD, body="Keep a kit at every bund.")
    body = api_client(contributor).get(f"{REVISIONS}/{revision.pk}/").json()
    assert (body["body"], body["text_status"], body["document_reference"]) == (
        "Keep a kit at every bund.",
        "done",
        "PRO-001",
    )
    (step,) = body["steps"]
    assert (step["kind"], step["signed_by"], step["meaning"], step["is_waiting"]) == (
        "approve",
        manager.pk,
        "Approved",
        False,
    )
    assert "body" not in api_client(contributor).get(f"{REVISIONS}/").json()["results"][0]


def test_it_filters_documents_with_the_pages_filterset(standards, organisation, manager, contributor, viewer):
    policy = make_document(
        organisation, contributor, kind=Kind.POLICY, title="Policy", clauses=[clause("ISO 9001", "5.2")]
    )
    make_effective(policy, contributor, manager, PASSWORD)
    make_document(organisation, manager, title="Spill response")
    client = api_client(viewer)

    def references(query: str) -> list[str]:
        return [d["reference"] for d in client.get(f"{DOCUMENTS}/?{query}").json()["results"]]

    assert references("") == ["POL-001", "PRO-001"]
    assert references("kind=policy") == ["POL-001"]
    assert references("status=draft") == ["PRO-001"]
    assert references(f"owner={manager.pk}") == ["PRO-001"]
    assert references(f"clause={clause('ISO 9001', '5.2').pk}") == ["POL-001"]
    assert references("q=spill") == ["PRO-001"]
    assert references("ordering=-reference") == ["PRO-001", "POL-001"]
    error = error_of(client.get(f"{DOCUMENTS}/?status=gone"), 400)
    assert list(error["fields"]) == ["status"]


def test_it_filters_revisions_and_acknowledgements(organisation, manager, contributor, viewer):
    document = make_document(organisation, contributor, distribution_roles=[Role.VIEWER, Role.CONTRIBUTOR])
    first = make_effective(document, contributor, manager, PASSWORD)
    services.acknowledge(revision=first, user=viewer)
    services.acknowledge(revision=first, user=contributor)
    draft = make_revision(document, contributor, change_summary="Next.")
    other = make_document(organisation, contributor, title="Other")
    client = api_client(viewer)
    results = client.get(f"{REVISIONS}/?document={document.pk}").json()["results"]
    assert {r["id"] for r in results} == {first.pk, draft.pk}
    assert [r["id"] for r in client.get(f"{REVISIONS}/?status=draft").json()["results"]] == [draft.pk]
    assert client.get(f"{REVISIONS}/?document={other.pk}").json()["results"] == []
    assert [a["user"] for a in client.get(f"{ACKNOWLEDGEMENTS}/?user={viewer.pk}").json()["results"]] == [
        viewer.pk
    ]
    assert client.get(f"{ACKNOWLEDGEMENTS}/?revision={first.pk}").json()["count"] == 2
    assert client.get(f"{ACKNOWLEDGEMENTS}/?revision={draft.pk}").json()["count"] == 0
    assert list(error_of(client.get(f"{REVISIONS}/?document=abc"), 400)["fields"]) == ["document"]


# --- Documents: create, review, delete -------------------------------------------------------


def test_it_creates_a_document_with_the_next_number(organisation, contributor):
    client = api_client(contributor)
    for expected in ("PRO-001", "PRO-002"):
        response = client.post(f"{DOCUMENTS}/", {"kind": "procedure", "title": "Control"}, format="json")
        assert response.status_code == 201, response.content
        assert (response.json()["reference"], response.json()["review_interval_months"]) == (expected, 24)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"owner": "outsider"}, "owner"),
        ({"distribution_users": ["outsider"]}, "distribution_users"),
        ({"sites": ["foreign"]}, "sites"),
        ({"clauses": [999999]}, "clauses"),
        ({"kind": "memo"}, "kind"),
        ({"distribution_roles": ["boss"]}, "distribution_roles.0"),
        ({"organisation": "other"}, "organisation"),
        ({"title": ""}, "title"),
        ({"review_interval_months": 0}, "review_interval_months"),
        ({"retention_months": 99_999_999}, "retention_months"),
    ],
)
def test_it_refuses_foreign_or_bad_values_on_create(
    organisation, other_organisation, contributor, outsider, payload, field
):
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    values = {"outsider": outsider.pk, "foreign": foreign.pk, "other": other_organisation.pk}

    def resolve(value: Any) -> Any:
        return [resolve(v) for v in value] if isinstance(value, list) else values.get(value, value)

    body = {"kind": "procedure", "title": "Control", **{k: resolve(v) for k, v in payload.items()}}
    before = snapshot()
    error = error_of(api_client(contributor).post(f"{DOCUMENTS}/", body, format="json"), 400)
    assert list(error["fields"]) == [field]
    assert snapshot() == before


def test_it_refuses_members_of_the_users_other_organisation(
    organisation, other_organisation, contributor, outsider
):
    # The contributor shares Other Co with Otto, but Otto is no member of Acme.
    add_member(other_organisation, contributor, Role.VIEWER)
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    client = api_client(contributor)
    before = snapshot()
    for payload, field in (
        ({"owner": outsider.pk}, "owner"),
        ({"distribution_users": [outsider.pk]}, "distribution_users"),
        ({"sites": [foreign.pk]}, "sites"),
    ):
        body = {"organisation": organisation.pk, "kind": "form", "title": "Form", **payload}
        error = error_of(client.post(f"{DOCUMENTS}/", body, format="json"), 400)
        assert list(error["fields"]) == [field]
    assert snapshot() == before


def test_it_records_a_periodic_review(organisation, manager, contributor):
    document = make_document(organisation, contributor, review_interval_months=12)
    make_effective(document, contributor, manager, PASSWORD)
    Document.objects.filter(pk=document.pk).update(
        next_review_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    response = api_client(contributor).post(
        f"{DOCUMENTS}/{document.pk}/review/",
        {"outcome": "confirmed", "comment": "Still right."},
        format="json",
    )
    assert response.status_code == 201, response.content
    expected = add_months(timezone.localdate(), 12).isoformat()
    assert (
        response.json()["outcome"],
        response.json()["reviewed_by"],
        response.json()["next_review_date"],
    ) == (
        "confirmed",
        contributor.pk,
        expected,
    )
    assert api_client(contributor).get(f"{DOCUMENTS}/{document.pk}/").json()["next_review_date"] == expected


def test_it_refuses_a_review_of_a_document_not_in_force(organisation, contributor):
    document = make_document(organisation, contributor)
    before = snapshot()
    response = api_client(contributor).post(
        f"{DOCUMENTS}/{document.pk}/review/", {"outcome": "confirmed"}, format="json"
    )
    assert error_of(response, 400)["message"] == "Only an effective document is reviewed."
    response = api_client(contributor).post(
        f"{DOCUMENTS}/{document.pk}/review/", {"outcome": "maybe"}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["outcome"]
    assert snapshot() == before


def test_it_lets_a_manager_delete_a_draft_document(organisation, manager, contributor):
    document = make_document(organisation, contributor)
    make_revision(document, contributor)
    error_of(api_client(contributor).delete(f"{DOCUMENTS}/{document.pk}/"), 403)
    assert api_client(manager).delete(f"{DOCUMENTS}/{document.pk}/").status_code == 204
    assert not Document.objects.filter(pk=document.pk).exists()
    assert changes_of(document)[-1].actor_id == manager.pk


def test_it_refuses_to_delete_what_must_be_kept(organisation, manager, contributor):
    in_force = make_document(organisation, contributor)
    make_effective(in_force, contributor, manager, PASSWORD)
    held = make_document(organisation, contributor, kind=Kind.RECORD, legal_hold=True)
    kept = make_document(
        organisation,
        contributor,
        kind=Kind.RECORD,
        disposal_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    client = api_client(manager)
    before = snapshot()
    error = error_of(client.delete(f"{DOCUMENTS}/{in_force.pk}/"), 400)
    assert (
        error["message"]
        == "A document that has been in force is withdrawn, not deleted, so its history stays."
    )
    assert (
        error_of(client.delete(f"{DOCUMENTS}/{held.pk}/"), 400)["message"]
        == "The record is on legal hold: it cannot be deleted."
    )
    assert (
        "must be kept until its disposal date"
        in error_of(client.delete(f"{DOCUMENTS}/{kept.pk}/"), 400)["message"]
    )
    assert snapshot() == before


def test_it_lets_only_a_manager_withdraw(organisation, contributor):
    document = make_document(organisation, contributor)
    before = snapshot()
    response = api_client(contributor).post(
        f"{DOCUMENTS}/{document.pk}/withdraw/", {"reason": "Old."}, format="json"
    )
    assert "manager" in error_of(response, 403)["message"]
    assert snapshot() == before


# --- Personas --------------------------------------------------------------------------------


@pytest.fixture
def everything(organisation, manager, contributor, viewer) -> dict[str, Any]:
    """A document in force with an acknowledgement, and a second one with a revision in review."""
    document = make_document(organisation, contributor, distribution_roles=[Role.VIEWER])
    effective = make_effective(document, contributor, manager, PASSWORD, body="", upload=upload())
    acknowledgement = services.acknowledge(revision=effective, user=viewer)
    other = make_document(organisation, contributor, title="Other")
    pending = in_review(other, contributor, StepSpec(kind="approve", assignee=manager))
    return {
        "document": document,
        "effective": effective,
        "acknowledgement": acknowledgement,
        "other": other,
        "pending": pending,
        "step": pending.steps.get(),
    }


def writes(things: dict[str, Any], user: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every write the endpoints offer, aimed at the records in `things`."""
    document, other, pending, step = things["document"], things["other"], things["pending"], things["step"]
    return [
        ("post", f"{DOCUMENTS}/", {"kind": "form", "title": "Sneaky"}),
        ("patch", f"{DOCUMENTS}/{other.pk}/", {"title": "Sneaky", "version": other.version}),
        ("delete", f"{DOCUMENTS}/{other.pk}/", {}),
        ("post", f"{DOCUMENTS}/{document.pk}/withdraw/", {"reason": "Sneaky"}),
        ("post", f"{DOCUMENTS}/{document.pk}/review/", {"outcome": "confirmed"}),
        ("post", f"{REVISIONS}/", {"document": document.pk, "change_summary": "Sneaky", "body": "x"}),
        ("patch", f"{REVISIONS}/{pending.pk}/", {"body": "Sneaky", "version": pending.version}),
        ("post", f"{REVISIONS}/{pending.pk}/submit/", {"steps": [{"kind": "approve", "assignee": user.pk}]}),
        ("post", f"{REVISIONS}/{pending.pk}/sign/", {"step": step.pk, "password": PASSWORD}),
        ("post", f"{REVISIONS}/{pending.pk}/reject/", {"step": step.pk, "reason": "Sneaky"}),
    ]


def test_it_lets_a_viewer_read_everything_and_write_nothing(everything, viewer):
    client = api_client(viewer)
    assert client.get(f"{DOCUMENTS}/").json()["count"] == 2
    assert client.get(f"{REVISIONS}/").json()["count"] == 2
    assert client.get(f"{ACKNOWLEDGEMENTS}/").json()["count"] == 1
    assert client.get(f"{REVISIONS}/{everything['effective'].pk}/download/").status_code == 200
    before = snapshot()
    for method, url, payload in writes(everything, viewer):
        response = getattr(client, method)(url, payload, format="json")
        assert error_of(response, 403)["code"] == "permission_denied", (method, url)
    assert snapshot() == before


def test_it_lets_a_viewer_acknowledge_what_is_distributed_to_them(organisation, manager, contributor, viewer):
    # Reading and confirming is what occasional staff, often viewers, are there for.
    document = make_document(organisation, contributor, distribution_roles=[Role.VIEWER])
    revision = make_effective(document, contributor, manager, PASSWORD)
    response = api_client(viewer).post(f"{ACKNOWLEDGEMENTS}/", {"revision": revision.pk}, format="json")
    assert response.status_code == 201, response.content
    assert Acknowledgement.objects.get().user == viewer


def test_it_shows_an_outsider_nothing_and_lets_them_reach_nothing(everything, outsider):
    client = api_client(outsider)
    before = snapshot()
    for collection in (DOCUMENTS, REVISIONS, ACKNOWLEDGEMENTS):
        assert client.get(f"{collection}/").json()["results"] == []
    document, effective = everything["document"], everything["effective"]
    for url in (
        f"{DOCUMENTS}/{document.pk}/",
        f"{DOCUMENTS}/{document.pk}/acknowledgements/",
        f"{REVISIONS}/{effective.pk}/",
        f"{REVISIONS}/{effective.pk}/download/",
        f"{ACKNOWLEDGEMENTS}/{everything['acknowledgement'].pk}/",
    ):
        assert error_of(client.get(url), 404)["code"] == "not_found", url
    for method, url, payload in writes(everything, outsider):
        if url in (f"{DOCUMENTS}/", f"{REVISIONS}/"):
            continue  # creates name no record of ours in the address: below
        response = getattr(client, method)(url, payload, format="json")
        assert error_of(response, 404)["code"] == "not_found", (method, url)
    # Our ids in a create are refused as unknown, not as forbidden.
    response = client.post(
        f"{REVISIONS}/", {"document": document.pk, "change_summary": "x", "body": "x"}, format="json"
    )
    assert error_of(response, 400)["fields"] == {
        "document": [f"No document you can see has id {document.pk}."]
    }
    response = client.post(f"{ACKNOWLEDGEMENTS}/", {"revision": effective.pk}, format="json")
    assert error_of(response, 400)["fields"] == {
        "revision": [f"No revision you can see has id {effective.pk}."]
    }
    response = client.post(
        f"{DOCUMENTS}/",
        {"organisation": document.organisation_id, "kind": "form", "title": "x"},
        format="json",
    )
    assert list(error_of(response, 400)["fields"]) == ["organisation"]
    assert snapshot() == before


# --- Query counts ----------------------------------------------------------------------------


def populate(
    organisation: Any, sites: list[Site], manager: Any, contributor: Any, viewer: Any, count: int
) -> None:
    clauses = list(Clause.objects.filter(number="5.2"))
    for n in range(count):
        document = make_document(
            organisation,
            contributor,
            title=f"Document {n}",
            sites=sites,
            clauses=clauses,
            distribution_users=[viewer, contributor],
            distribution_roles=[Role.VIEWER],
        )
        revision = make_effective(document, contributor, manager, PASSWORD)
        services.acknowledge(revision=revision, user=viewer)
        make_revision(document, contributor, change_summary="Next.")


@pytest.mark.parametrize("collection", [DOCUMENTS, REVISIONS, ACKNOWLEDGEMENTS])
def test_it_reads_lists_in_the_same_queries_for_more_rows(
    standards, organisation, sites, manager, contributor, viewer, count_queries, collection
):
    client = api_client(viewer)
    populate(organisation, sites, manager, contributor, viewer, 1)
    before = count_queries(lambda: client.get(f"{collection}/"))
    populate(organisation, sites, manager, contributor, viewer, 5)
    assert client.get(f"{collection}/").json()["count"] > 5
    assert count_queries(lambda: client.get(f"{collection}/")) == before


# --- Schema ----------------------------------------------------------------------------------


def test_it_documents_the_endpoints_in_the_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/documents/",
        "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/withdraw/",
        "/api/v1/documents/{id}/review/",
        "/api/v1/documents/{id}/acknowledgements/",
        "/api/v1/document-revisions/",
        "/api/v1/document-revisions/{id}/submit/",
        "/api/v1/document-revisions/{id}/sign/",
        "/api/v1/document-revisions/{id}/reject/",
        "/api/v1/document-revisions/{id}/download/",
        "/api/v1/acknowledgements/",
        "/api/v1/acknowledgements/{id}/",
    ):
        assert path in paths, path
    assert "make-effective" not in str(paths)
    upload_body = paths["/api/v1/document-revisions/"]["post"]["requestBody"]["content"]
    assert set(upload_body) == {"application/json", "multipart/form-data"}
    download = paths["/api/v1/document-revisions/{id}/download/"]["get"]["responses"]["200"]
    assert download["content"]["application/octet-stream"]["schema"]["format"] == "binary"
    components = schema["components"]["schemas"]
    assert components["PatchedDocumentUpdateRequest"]["required"] == ["version"]
    assert components["PatchedRevisionUpdateRequest"]["required"] == ["version"]
    assert set(components["SignRequest"]["required"]) == {"step", "password"}
