"""Document control pages: files.

Revision files leave the system only through `revision_download` (every download is logged, PDF
copies can be stamped controlled or uncontrolled); the acknowledgement sheet is exported as XLSX;
and a register from another system is imported with a dry run first.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template import engines
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View
from django.views.generic import TemplateView

from integrum.core.exports import xlsx_response
from integrum.core.files import clean_filename
from integrum.core.models import Membership, Role
from integrum.core.permissions import WRITE
from integrum.core.views import ObjectMixin, OrganisationMixin
from integrum.documents import importing, services, stamping
from integrum.documents.models import Acknowledgement, Document, DocumentRevision, Download

R = DocumentRevision.Status
PDF = "application/pdf"

# --- Downloads -------------------------------------------------------------------------------

REFUSED_TEMPLATE = """{% extends "base.html" %}{% block title %}Copy not available{% endblock %}
{% block content %}<div class="error-page"><p class="error-page__code">400</p>
<h1>This copy cannot be downloaded</h1><p>{{ reason }}</p>
<p><a class="btn btn--primary" href="{{ back }}">Back to revision {{ revision.label }}</a></p></div>
{% endblock %}"""


def _refused(request: HttpRequest, revision: DocumentRevision, reason: str) -> HttpResponse:
    template = engines["django"].from_string(REFUSED_TEMPLATE)
    context = {"reason": reason, "revision": revision, "back": revision.get_absolute_url()}
    return HttpResponse(template.render(context, request), status=400)


def stamp_refusal(revision: DocumentRevision, copy: str) -> str:
    """Why this revision cannot be given as `copy`, or "" if it can."""
    if copy == Download.Copy.ORIGINAL:
        return ""
    if revision.mime_type != PDF:
        kind = (
            revision.original_name.rsplit(".", 1)[-1].upper() if "." in revision.original_name else "non-PDF"
        )
        return (
            f"Only a PDF can be stamped; revision {revision.label} is a {kind} file: download the original."
        )
    if revision.status in (R.SUPERSEDED, R.WITHDRAWN):
        return (
            f"Revision {revision.label} is {revision.get_status_display().lower()}: it is no longer issued "
            "as a copy; only its original file can be downloaded, for the record."
        )
    current = revision.status == R.EFFECTIVE and revision.document.current_revision_id == revision.pk
    if copy == Download.Copy.CONTROLLED and not current:
        return (
            f"Only the effective revision is issued as a controlled copy; revision {revision.label} is "
            f"{revision.get_status_display().lower()}."
        )
    return ""


def _address(request: HttpRequest) -> str | None:
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return None


def _stamp(revision: DocumentRevision, copy: str, who: str) -> stamping.Stamp:
    document, now = revision.document, timezone.now()
    if copy == Download.Copy.CONTROLLED:
        effective = revision.effective_date or timezone.localdate(revision.effective_at or now)
        return stamping.controlled_stamp(
            reference=document.reference,
            title=document.title,
            label=revision.label,
            effective=effective,
            who=who,
            at=now,
        )
    return stamping.uncontrolled_stamp(
        reference=document.reference, title=document.title, label=revision.label, who=who, at=now
    )


class RevisionDownloadView(ObjectMixin, View):
    """The only way a revision's file leaves the system: permission-checked and logged.

    `?copy=original` (default) is the file as uploaded; `controlled` (the effective revision of a
    PDF) and `uncontrolled` are PDFs stamped on every page.
    """

    model = DocumentRevision
    http_method_names = ["get"]  # a HEAD would count as a download without being one

    def get_queryset(self) -> QuerySet[DocumentRevision]:
        return super().get_queryset().select_related("document")

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        revision: DocumentRevision = self.get_object()
        copy = request.GET.get("copy") or Download.Copy.ORIGINAL
        if copy not in Download.Copy.values:
            return _refused(
                request, revision, "Ask for the original file, a controlled or an uncontrolled copy."
            )
        if not revision.has_file:
            raise Http404("This revision was written in the app: it has no file.")
        refusal = stamp_refusal(revision, copy)
        if refusal:
            return _refused(request, revision, refusal)
        name = clean_filename(revision.original_name or f"{revision.document.reference}.bin")
        try:
            handle = revision.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file is missing from storage.") from None
        response: HttpResponseBase
        if copy == Download.Copy.ORIGINAL:
            response = FileResponse(
                handle, as_attachment=True, filename=name, content_type=revision.mime_type
            )
        else:
            with handle:
                data = handle.read()
            try:
                pdf = stamping.stamp_pdf(data, _stamp(revision, copy, str(request.user)))
            except ValidationError as error:
                return _refused(request, revision, " ".join(error.messages))
            stem = name[:-4] if name.lower().endswith(".pdf") else name
            response = HttpResponse(pdf, content_type=PDF)
            response["Content-Disposition"] = (
                content_disposition_header(True, f"{stem} ({copy} copy).pdf") or "attachment"
            )
        Download.objects.create(
            organisation_id=revision.organisation_id,
            revision=revision,
            user_id=request.user.pk,
            copy=copy,
            address=_address(request),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- Acknowledgement sheet -------------------------------------------------------------------


class AcknowledgementExportView(ObjectMixin, View):
    """Who the current revision is distributed to, and who has read it (XLSX; two queries)."""

    model = Document

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document: Document = get_object_or_404(
            self.get_queryset().select_related("current_revision"), pk=self.kwargs["pk"]
        )
        revision = document.current_revision
        role = Membership.objects.filter(organisation_id=document.organisation_id, user=OuterRef("pk"))
        acknowledged = Acknowledgement.objects.filter(
            revision_id=revision.pk if revision else None, user=OuterRef("pk")
        )
        people = (
            services.distribution_members(document)
            .annotate(
                member_role=Subquery(role.values("role")[:1]),
                acknowledged_at=Subquery(acknowledged.values("acknowledged_at")[:1]),
            )
            .order_by("first_name", "last_name", "email")
        )
        label = f"rev {revision.label}" if revision else "no effective revision"
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", document.reference).strip("-") or "document"
        return xlsx_response(
            f"{stem}-acknowledgements",
            ["Person", "Email", "Role", "Acknowledged", "Acknowledged at"],
            (
                [
                    str(person),
                    person.email,
                    Role(person.member_role).label if person.member_role else "",
                    "yes" if person.acknowledged_at else "no",
                    timezone.localtime(person.acknowledged_at).replace(tzinfo=None)
                    if person.acknowledged_at
                    else None,
                ]
                for person in people
            ),
            title=f"{document.reference} {label}",
        )


# --- Import ----------------------------------------------------------------------------------

SESSION_KEY = "documents_import"
STAGING_HOURS = 24


class ImportForm(forms.Form):
    register = forms.FileField(
        label="Register",
        help_text="CSV or XLSX with the columns: " + ", ".join(importing.COLUMNS) + ".",
    )
    archive = forms.FileField(
        label="Files (ZIP)", help_text="A ZIP of the files the register names, in any folders."
    )


def _staging_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "import-staging"


def _staged(request: HttpRequest, organisation_id: int) -> tuple[Path, dict[str, Any]] | None:
    """The uploads this user checked in this organisation, kept until they are imported."""
    staged = request.session.get(SESSION_KEY)
    if not isinstance(staged, dict) or staged.get("organisation") != organisation_id:
        return None
    token = str(staged.get("token", ""))
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    directory = _staging_root() / token
    return (directory, staged) if directory.is_dir() else None


def _discard(request: HttpRequest) -> None:
    staged = request.session.pop(SESSION_KEY, None)
    token = str(staged.get("token", "")) if isinstance(staged, dict) else ""
    if re.fullmatch(r"[0-9a-f]{32}", token):
        shutil.rmtree(_staging_root() / token, ignore_errors=True)


def _stage(request: HttpRequest, organisation_id: int, register: UploadedFile, files: UploadedFile) -> str:
    """Keep the checked uploads (outside the public web, under a random name) for the import step."""
    root = _staging_root()
    if root.is_dir():  # forget checks nobody imported
        cutoff = time.time() - STAGING_HOURS * 3600
        for old in root.iterdir():
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
    token = secrets.token_hex(16)
    directory = root / token
    directory.mkdir(parents=True)
    register_name = clean_filename(register.name or "register.csv")
    extension = register_name.rsplit(".", 1)[-1].lower()
    for upload, target in ((register, f"register.{extension}"), (files, "files.zip")):
        upload.seek(0)
        with (directory / target).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    request.session[SESSION_KEY] = {
        "token": token,
        "organisation": organisation_id,
        "register": f"register.{extension}",
        "register_name": register_name,
        "files_name": clean_filename(files.name or "files.zip"),
    }
    return token


class DocumentImportView(OrganisationMixin, TemplateView):
    """Import a document register: check (a dry run showing every row's errors), then import."""

    required_role = WRITE
    template_name = "documents/import.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _discard(request)
        return self.render_to_response(self.get_context_data(form=ImportForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("step") == "import":
            return self.commit()
        return self.check()

    def check(self) -> HttpResponse:
        form = ImportForm(self.request.POST, self.request.FILES)
        _discard(self.request)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        register, files = form.cleaned_data["register"], form.cleaned_data["archive"]
        source = importing.ZipSource(files)
        try:
            result = importing.check_register(organisation=self.organisation, register=register, files=source)
        finally:
            source.close()
        token = _stage(self.request, self.organisation.pk, register, files) if result.ok else ""
        return self.render_to_response(self.get_context_data(form=ImportForm(), result=result, token=token))

    def commit(self) -> HttpResponse:
        found = _staged(self.request, self.organisation.pk)
        if found is None or found[1]["token"] != self.request.POST.get("token"):
            messages.error(
                self.request, "The checked files are no longer here: choose them and check them again."
            )
            return redirect("documents:document_import")
        directory, staged = found
        register_path = directory / staged["register"]
        try:
            with register_path.open("rb") as register_file, (directory / "files.zip").open("rb") as zip_file:
                register = UploadedFile(
                    file=register_file, name=staged["register_name"], size=register_path.stat().st_size
                )
                source = importing.ZipSource(zip_file)
                try:
                    result = importing.run_import(
                        organisation=self.organisation,
                        user=self.request.user,  # type: ignore[arg-type]
                        register=register,
                        files=source,
                        commit=True,
                    )
                finally:
                    source.close()
        finally:
            _discard(self.request)
        if not result.ok:
            messages.error(self.request, "Nothing was imported: the register no longer passes the check.")
            return self.render_to_response(self.get_context_data(form=ImportForm(), result=result))
        count = len(result.created)
        messages.success(self.request, f"Imported {count} document{'s' if count != 1 else ''}.")
        return redirect(reverse("documents:document_list"))


urlpatterns: list[URLPattern] = [
    path("revisions/<int:pk>/download/", RevisionDownloadView.as_view(), name="revision_download"),
    path(
        "<int:pk>/acknowledgements.xlsx", AcknowledgementExportView.as_view(), name="acknowledgement_export"
    ),
    # The import commits its own transaction, so the files it stores match what was committed.
    path("import/", transaction.non_atomic_requests(DocumentImportView.as_view()), name="document_import"),
]
