"""Document control pages: the register, a document, its revisions, approval by electronic
signature, periodic review, read-and-acknowledge, withdrawal and numbering (clause 7.5)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views import View
from django.views.generic import TemplateView
from markdown_it import MarkdownIt

from integrum.core.exports import xlsx_response
from integrum.core.models import StaleEdit, User
from integrum.core.permissions import ADMINISTER, MANAGE, READ, WRITE
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    OrganisationMixin,
    apply_validation_error,
    error_text,
    history_of,
)
from integrum.documents import services
from integrum.documents.filters import DocumentFilterSet
from integrum.documents.forms import (
    DocumentForm,
    NumberingForm,
    RejectForm,
    ReviewForm,
    RevisionCreateForm,
    RevisionUpdateForm,
    SignForm,
    SubmitForm,
    WithdrawForm,
)
from integrum.documents.models import (
    Acknowledgement,
    ApprovalStep,
    Document,
    DocumentRevision,
    PeriodicReview,
)
from integrum.standards.services import clauses_of

R = DocumentRevision.Status
IN_PROGRESS = [R.DRAFT, R.IN_REVIEW, R.APPROVED]

# Text written in the app is CommonMark with raw HTML switched off: what a user types is shown,
# never run (markdown-it also refuses javascript: and data: links).
_markdown = MarkdownIt("commonmark", {"html": False})


def render_markdown(text: str) -> SafeString:
    return mark_safe(_markdown.render(text))  # the renderer escapes all HTML


# --- The register ----------------------------------------------------------------------------


class DocumentListView(ObjectListView):
    model = Document
    filterset_class = DocumentFilterSet
    template_name = "documents/document_list.html"

    def get_queryset(self) -> QuerySet[Document]:
        return super().get_queryset().select_related("owner", "current_revision").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        effective = Q(status=Document.Status.EFFECTIVE)
        # Every tab count in one pass over the register.
        context["tabs"] = self.scoped(Document).aggregate(
            all=Count("pk"),
            effective=Count("pk", filter=effective),
            draft=Count("pk", filter=Q(status=Document.Status.DRAFT)),
            due=Count(
                "pk",
                filter=effective & Q(next_review_date__lte=today + datetime.timedelta(days=30)),
            ),
            overdue=Count("pk", filter=effective & Q(next_review_date__lt=today)),
        )
        context["can_write"] = self.can(WRITE)
        context["can_administer"] = self.can(ADMINISTER)
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self) -> HttpResponse:
        filterset = DocumentFilterSet(self.request.GET, queryset=self.get_queryset(), request=self.request)
        rows = filterset.qs if filterset.is_valid() else Document.objects.none()
        return xlsx_response(
            "documents",
            [
                "Reference",
                "Title",
                "Type",
                "Status",
                "Revision",
                "Effective from",
                "Owner",
                "Next review",
                "Review",
                "Sites",
                "Confidentiality",
            ],
            (
                [
                    d.reference,
                    d.title,
                    d.get_kind_display(),
                    d.get_status_display(),
                    d.current_revision.label if d.current_revision else "",
                    d.current_revision.effective_date if d.current_revision else None,
                    str(d.owner),
                    d.next_review_date,
                    d.review_state,
                    ", ".join(site.code for site in d.sites.all()) or "All sites",
                    d.get_confidentiality_display(),
                ]
                for d in rows.iterator(chunk_size=2000)
            ),
            title="Document register",
        )


# --- Documents -------------------------------------------------------------------------------


class DocumentFormView(ObjectFormView):
    model = Document
    form_class = DocumentForm
    template_name = "documents/document_form.html"

    def get_queryset(self) -> QuerySet[Document]:
        return super().get_queryset().prefetch_related("sites", "distribution_users")

    def load(self) -> None:
        super().load()
        if self.object is not None and self.object.status == Document.Status.OBSOLETE:
            raise PermissionDenied("An obsolete document is kept as it was: it cannot be edited.")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            kwargs["initial"] = {"owner": self.request.user.pk}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.document_create(organisation=self.organisation, **fields)
        return services.document_update(
            document=Document.objects.get(pk=self.object.pk), version=form.cleaned_data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New document"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("documents:document_list")

    def success_message(self, obj: Any) -> str:
        if self.object is None:
            return f"{obj.reference} created. Add its first revision: upload a file or write it here."
        return f"Saved {obj.reference}."


class DocumentDetailView(ObjectDetailView):
    model = Document
    template_name = "documents/document_detail.html"

    def get_queryset(self) -> QuerySet[Document]:
        return super().get_queryset().select_related("owner", "current_revision").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        document: Document = self.object
        user = self.request.user
        revisions = list(document.revisions.select_related("created_by"))
        current = document.current_revision
        in_progress = next((r for r in revisions if r.status in IN_PROGRESS), None)
        members = list(services.distribution_members(document).order_by("first_name", "last_name", "email"))
        acknowledged: dict[int, Acknowledgement] = {}
        if current is not None:
            acknowledged = {
                a.user_id: a for a in Acknowledgement.objects.filter(revision=current).select_related("user")
            }
        is_member = {member.pk for member in members}
        obsolete = document.status == Document.Status.OBSOLETE
        can_write, can_manage = self.can(WRITE), self.can(MANAGE)
        context.update(
            history=history_of(document),
            revisions=revisions,
            current=current,
            current_steps=(
                list(current.steps.select_related("assignee", "signed_by")) if current is not None else []
            ),
            in_progress=in_progress,
            clauses=clauses_of(document),
            read=[(m, acknowledged[m.pk]) for m in members if m.pk in acknowledged],
            not_read=[m for m in members if m.pk not in acknowledged],
            distributed=len(members),
            can_acknowledge=(
                current is not None
                and current.status == R.EFFECTIVE
                and user.pk in is_member
                and user.pk not in acknowledged
            ),
            can_edit=can_write and not obsolete,
            can_revise=can_write and not obsolete and in_progress is None,
            can_review=(
                document.status == Document.Status.EFFECTIVE
                and can_write
                and (document.owner_id == user.pk or can_manage)
            ),
            can_manage=can_manage,
            can_withdraw=can_manage and not obsolete,
            delete_refusal=self.delete_refusal(revisions),
            last_review=(
                PeriodicReview.objects.filter(document=document).select_related("reviewed_by").first()
            ),
            review_form=ReviewForm(),
            withdraw_form=WithdrawForm(),
            today=timezone.localdate(),
        )
        return context

    def delete_refusal(self, revisions: list[DocumentRevision]) -> str:
        """Why the document cannot be deleted now ("" if it can); the service has the last word."""
        document: Document = self.object
        if document.is_record:
            if document.legal_hold:
                return "The record is on legal hold."
            if document.disposal_date is None:
                return "The record has no disposal date yet."
            if document.disposal_date > timezone.localdate():
                return f"The record is kept until {document.disposal_date:%-d %b %Y}."
            return ""
        if any(r.effective_at is not None for r in revisions):
            return "It has been in force: withdraw it instead, so its history stays."
        return ""


class DocumentActionView(ObjectMixin, View):
    """Base of the POST-only steps on a document: run the service, then say what happened."""

    model = Document
    required_role = WRITE

    def done(self, document: Document) -> HttpResponse:
        return redirect(document)


class DocumentReviewView(DocumentActionView):
    """Record a periodic review: confirmed unchanged, or a new revision started."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_object()
        if document.owner_id != request.user.pk and not self.can(MANAGE):
            raise PermissionDenied("Only the document's owner or a manager records its periodic review.")
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose the outcome of the review.")
            return redirect(document)
        outcome = form.cleaned_data["outcome"]
        try:
            services.document_review_record(
                document=document,
                user=request.user,  # type: ignore[arg-type]
                outcome=outcome,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, f"The review was not recorded. {error_text(error)}")
            return redirect(document)
        if outcome == PeriodicReview.Outcome.REVISION:
            pending = document.revisions.filter(status__in=IN_PROGRESS).first()
            if pending is not None:
                messages.info(request, f"Review recorded. Revision {pending.label} is already in progress.")
                return redirect(pending)
            messages.success(request, "Review recorded. Now write or upload the new revision.")
            return redirect("documents:revision_create", pk=document.pk)
        document.refresh_from_db()
        when = f" Next review {document.next_review_date:%-d %b %Y}." if document.next_review_date else ""
        messages.success(request, f"Review recorded: {document.reference} confirmed unchanged.{when}")
        return redirect(document)


class DocumentWithdrawView(DocumentActionView):
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_object()
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was withdrawn: say why the document is withdrawn.")
            return redirect(document)
        try:
            services.document_withdraw(document=document, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, f"Nothing was withdrawn. {error_text(error)}")
        else:
            messages.success(request, f"{document.reference} is withdrawn and now obsolete.")
        return redirect(document)


class DocumentDeleteView(ObjectDeleteView):
    model = Document
    service = services.document_delete
    keyword = "document"
    list_url = "documents:document_list"


# --- Revisions -------------------------------------------------------------------------------


class RevisionCreateView(ObjectMixin, TemplateView):
    """Start a revision of a document: upload a file or write the text in the app."""

    model = Document
    required_role = WRITE
    template_name = "documents/revision_form.html"

    def render_form(self, form: RevisionCreateForm, status: int = 200) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(form=form, document=self.object, creating=True), status=status
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if self.object.status == Document.Status.OBSOLETE:
            messages.error(request, "The document is obsolete: it takes no new revision.")
            return redirect(self.object)
        pending = self.object.revisions.filter(status__in=IN_PROGRESS).first()
        if pending is not None:
            messages.info(request, f"Revision {pending.label} is in progress: finish or withdraw it first.")
            return redirect(pending)
        return self.render_form(RevisionCreateForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = RevisionCreateForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                revision = services.revision_create(
                    document=self.object,
                    change_summary=data["change_summary"],
                    created_by=request.user,  # type: ignore[arg-type]
                    upload=data["file"] or None,
                    body=data["body"] if not data["file"] else "",
                    label=data["label"],
                    routing=data["routing"],
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict") and data["file"]:
                    form.add_error("file", error)  # the file check's verdict belongs beside the file
                else:
                    apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    f"Revision {revision.label} saved as a draft. Send it for approval when it is ready.",
                )
                return redirect(revision)
        return self.render_form(form, status=400)


class RevisionDetailView(ObjectDetailView):
    """A revision: its text, its file, and its review and approval with electronic signatures."""

    model = DocumentRevision
    template_name = "documents/revision_detail.html"

    def get_queryset(self) -> QuerySet[DocumentRevision]:
        return super().get_queryset().select_related("document", "document__owner", "created_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        revision: DocumentRevision = self.object
        user: User = self.request.user  # type: ignore[assignment]
        sign_forms: dict[int, SignForm] = kwargs.get("sign_forms", {})
        reject_forms: dict[int, RejectForm] = kwargs.get("reject_forms", {})
        mine = []
        if revision.status == R.IN_REVIEW and self.can(WRITE):
            for step in services.waiting_steps(revision):
                if services.can_sign(step, user):
                    mine.append(
                        (
                            step,
                            sign_forms.get(step.pk) or SignForm(step=step),
                            reject_forms.get(step.pk) or RejectForm(step=step),
                        )
                    )
        is_draft = revision.status == R.DRAFT
        open_document = revision.document.status != Document.Status.OBSOLETE
        context.update(
            history=history_of(revision),
            document=revision.document,
            steps=list(revision.steps.select_related("assignee", "signed_by")),
            my_steps=mine,
            body_html=render_markdown(revision.body) if revision.body else "",
            is_pdf=revision.mime_type == "application/pdf",
            can_edit=is_draft and open_document and self.can(WRITE),
        )
        return context


class RevisionUpdateView(ObjectFormView):
    model = DocumentRevision
    form_class = RevisionUpdateForm
    template_name = "documents/revision_form.html"

    def get_queryset(self) -> QuerySet[DocumentRevision]:
        return super().get_queryset().select_related("document")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        if self.object.status != R.DRAFT:
            messages.error(request, "Only a draft revision can be edited.")
            return redirect(self.object)
        return self.render_form(self.get_form())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["document"] = self.object.document
        return context

    def save(self, form: Any) -> Any:
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        return services.revision_update(
            revision=DocumentRevision.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            **data,
        )

    def get_title(self) -> str:
        return f"Edit revision {self.object.label} of {self.object.document.reference}"

    def success_message(self, obj: Any) -> str:
        return f"Saved revision {obj.label}."


class RevisionSubmitView(ObjectMixin, TemplateView):
    """Send a draft to its reviewers and approvers."""

    model = DocumentRevision
    required_role = WRITE
    template_name = "documents/revision_submit.html"

    def get_queryset(self) -> QuerySet[DocumentRevision]:
        return super().get_queryset().select_related("document")

    def render_form(self, form: SubmitForm, status: int = 200) -> HttpResponse:
        context = self.get_context_data(form=form, revision=self.object, document=self.object.document)
        return self.render_to_response(context, status=status)

    def refuse_unless_draft(self) -> HttpResponse | None:
        if self.object.status != R.DRAFT:
            messages.error(
                self.request,
                f"Revision {self.object.label} is {self.object.get_status_display().lower()}: "
                "only a draft is sent for approval.",
            )
            return redirect(self.object)
        return None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        refused = self.refuse_unless_draft()
        if refused is not None:
            return refused
        initial = {
            "version": self.object.version,
            "routing": self.object.routing,
            "effective_date": self.object.effective_date,
        }
        return self.render_form(SubmitForm(initial=initial, organisation=self.organisation))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        refused = self.refuse_unless_draft()
        if refused is not None:
            return refused
        form = SubmitForm(request.POST, organisation=self.organisation)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    revision = DocumentRevision.objects.select_for_update().get(pk=self.object.pk)
                    if data["version"] != revision.version:
                        raise StaleEdit(revision)
                    if data["routing"] != revision.routing:
                        revision = services.revision_update(
                            revision=revision, version=revision.version, routing=data["routing"]
                        )
                    services.revision_submit(
                        revision=revision, steps=form.steps(), effective_date=data["effective_date"]
                    )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Revision {revision.label} is sent for review and approval.")
                return redirect(revision)
        return self.render_form(form, status=400)


class RevisionAcknowledgeView(ObjectMixin, View):
    """“I have read it”: open to every member the document is distributed to, viewers included."""

    model = DocumentRevision
    required_role = READ

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        revision = self.get_object()
        try:
            services.acknowledge(revision=revision, user=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, f"Not recorded. {error_text(error)}")
        else:
            messages.success(
                request, f"Recorded: you have read {revision.document.reference} revision {revision.label}."
            )
        return redirect(revision.document)


# --- Signatures ------------------------------------------------------------------------------


class StepActionView(ObjectMixin, View):
    """Base of signing and rejecting a step; field errors are shown on the revision page."""

    model = ApprovalStep
    required_role = WRITE

    def get_queryset(self) -> QuerySet[ApprovalStep]:
        return super().get_queryset().select_related("revision")

    def revision_page(self, step: ApprovalStep, status: int = 400, **forms: Any) -> HttpResponse:
        view = RevisionDetailView()
        view.setup(self.request, pk=step.revision_id)
        view.object = view.get_object()
        return view.render_to_response(view.get_context_data(**forms), status=status)


class StepSignView(StepActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        step = self.get_object()
        form = SignForm(request.POST, step=step)
        if not form.is_valid():
            return self.revision_page(step, sign_forms={step.pk: form})
        try:
            services.revision_sign(
                step=step,
                user=request.user,  # type: ignore[arg-type]
                password=form.cleaned_data["password"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "password" in error.error_dict:
                apply_validation_error(form, error)
                return self.revision_page(step, sign_forms={step.pk: form})
            messages.error(request, f"Not signed. {error_text(error)}")
            return redirect(step.revision)
        revision = DocumentRevision.objects.get(pk=step.revision_id)
        outcome = ""
        if revision.status == R.EFFECTIVE:
            outcome = " All signatures are in: the revision is now effective."
        elif revision.status == R.APPROVED and revision.effective_date:
            outcome = f" All signatures are in: it takes effect on {revision.effective_date:%-d %b %Y}."
        messages.success(request, f"Signed as {form.meaning.lower()}.{outcome}")
        return redirect(revision)


class StepRejectView(StepActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        step = self.get_object()
        form = RejectForm(request.POST, step=step)
        if not form.is_valid():
            return self.revision_page(step, reject_forms={step.pk: form})
        try:
            revision = services.revision_reject(
                step=step,
                user=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "reason" in error.error_dict:
                apply_validation_error(form, error)
                return self.revision_page(step, reject_forms={step.pk: form})
            messages.error(request, f"Not rejected. {error_text(error)}")
            return redirect(step.revision)
        messages.success(
            request, f"Revision {revision.label} rejected: it is back in draft with your reason."
        )
        return redirect(revision)


# --- Numbering -------------------------------------------------------------------------------


class NumberingView(OrganisationMixin, TemplateView):
    """How the organisation numbers each type of document (administrators)."""

    required_role = ADMINISTER
    template_name = "documents/numbering.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(form=NumberingForm(organisation=self.organisation))
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = NumberingForm(request.POST, organisation=self.organisation)
        if form.is_valid():
            changes = form.changes()
            try:
                with transaction.atomic():
                    for kind, prefix, padding, version in changes:
                        services.numbering_rule_set(
                            organisation=self.organisation,
                            kind=kind,
                            prefix=prefix,
                            padding=padding,
                            version=version,
                        )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Numbering saved ({len(changes)} type(s) changed). New documents use it; "
                    "existing references stay as they are."
                    if changes
                    else "Nothing changed.",
                )
                return redirect("documents:numbering")
        return self.render_to_response(self.get_context_data(form=form), status=400)


urlpatterns: list[URLPattern] = [
    path("", DocumentListView.as_view(), name="document_list"),
    path("new/", DocumentFormView.as_view(), name="document_create"),
    path("numbering/", NumberingView.as_view(), name="numbering"),
    path("<int:pk>/", DocumentDetailView.as_view(), name="document_detail"),
    path("<int:pk>/edit/", DocumentFormView.as_view(), name="document_update"),
    path("<int:pk>/review/", DocumentReviewView.as_view(), name="document_review"),
    path("<int:pk>/withdraw/", DocumentWithdrawView.as_view(), name="document_withdraw"),
    path("<int:pk>/delete/", DocumentDeleteView.as_view(), name="document_delete"),
    path("<int:pk>/revisions/new/", RevisionCreateView.as_view(), name="revision_create"),
    path("revisions/<int:pk>/", RevisionDetailView.as_view(), name="revision_detail"),
    path("revisions/<int:pk>/edit/", RevisionUpdateView.as_view(), name="revision_update"),
    path("revisions/<int:pk>/submit/", RevisionSubmitView.as_view(), name="revision_submit"),
    path("revisions/<int:pk>/acknowledge/", RevisionAcknowledgeView.as_view(), name="revision_acknowledge"),
    path("steps/<int:pk>/sign/", StepSignView.as_view(), name="step_sign"),
    path("steps/<int:pk>/reject/", StepRejectView.as_view(), name="step_reject"),
]
