"""Management review pages (ISO 9001 9.3, ISO 14001 9.3): the list, the form, the record with
its inputs, coverage, minutes, outputs and signature, and its PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from integrum.core.exports import pdf_response
from integrum.core.models import StaleEdit
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    error_text,
    form_problems,
)
from integrum.reviews import services
from integrum.reviews.filters import ReviewFilterSet
from integrum.reviews.forms import CancelForm, InputForm, OutputForm, ReviewForm, SignForm
from integrum.reviews.inputs import BY_KEY
from integrum.reviews.models import ManagementReview, ReviewInput, ReviewOutput
from integrum.reviews.selectors import Section, present_tables, review_record
from integrum.reviews.services import S


def _detail_queryset(queryset: QuerySet[ManagementReview]) -> QuerySet[ManagementReview]:
    return queryset.select_related("chair", "signed_by").prefetch_related("standards", "attendees")


class ReviewListView(ObjectListView):
    model = ManagementReview
    filterset_class = ReviewFilterSet
    template_name = "reviews/review_list.html"

    def get_queryset(self) -> QuerySet[ManagementReview]:
        return super().get_queryset().select_related("chair").prefetch_related("standards")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class ReviewDetailView(ObjectDetailView):
    model = ManagementReview
    template_name = "reviews/review_detail.html"

    def get_queryset(self) -> QuerySet[ManagementReview]:
        return _detail_queryset(super().get_queryset())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        review = self.object
        record = review_record(review)
        can_write = self.can(WRITE)
        open_record = review.status in (S.PLANNED, S.COMPILED)
        context.update(
            record=record,
            can_manage=self.can(MANAGE),
            can_edit=can_write and open_record,
            can_compile=can_write and S.COMPILED in services.allowed_transitions(review),
            can_decide=can_write and review.status == S.COMPILED,
            can_sign=review.status == S.COMPILED and services.can_sign(review, self.request.user),
            sign_problems=services.signature_problems(review) if review.status == S.COMPILED else [],
            output_form=OutputForm(review=review, keys=[s.item.key for s in record.sections]),
            sign_form=SignForm(),
            cancel_form=CancelForm(),
            today=timezone.localdate(),
        )
        return context


class ReviewFormView(ObjectFormView):
    model = ManagementReview
    form_class = ReviewForm

    def get_queryset(self) -> QuerySet[ManagementReview]:
        return super().get_queryset().prefetch_related("standards", "attendees")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            kwargs["initial"] = {"chair": self.request.user.pk}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.review_create(organisation=self.organisation, **fields)
        return services.review_update(
            review=ManagementReview.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            **fields,
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "Plan a management review"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("reviews:review_list")

    def success_message(self, obj: Any) -> str:
        if self.object is None:
            return f"{obj.reference} planned. Compile its inputs when the meeting is near."
        return f"Saved {obj.reference}."


class ReviewDeleteView(ObjectDeleteView):
    model = ManagementReview
    service = services.review_delete
    keyword = "review"
    list_url = "reviews:review_list"


class _ReviewStep(ObjectMixin, View):
    model = ManagementReview
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = self.get_object()
        try:
            message = self.step(review)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, message)
        return redirect(review)

    def step(self, review: ManagementReview) -> str:
        raise NotImplementedError


class ReviewCompileView(_ReviewStep):
    def step(self, review: ManagementReview) -> str:
        refresh = review.status == S.COMPILED
        services.review_compile(review=review)
        return f"{review.reference}: inputs {'refreshed' if refresh else 'compiled'} from today's data."


class ReviewSignView(_ReviewStep):
    def step(self, review: ManagementReview) -> str:
        form = SignForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Enter your password to sign.")
        services.review_sign(review=review, user=self.request.user, password=form.cleaned_data["password"])  # type: ignore[arg-type]
        return f"{review.reference} is signed."


class ReviewCancelView(_ReviewStep):
    required_role = MANAGE

    def step(self, review: ManagementReview) -> str:
        form = CancelForm(self.request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.review_cancel(review=review, reason=reason)
        return f"{review.reference} is cancelled."


class OutputCreateView(_ReviewStep):
    def step(self, review: ManagementReview) -> str:
        keys = list(review.inputs.values_list("key", flat=True))
        form = OutputForm(self.request.POST, review=review, keys=keys)
        if not form.is_valid():
            problems = form_problems(form)
            raise ValidationError(f"No decision was recorded. {problems}")
        output = services.output_create(review=review, created_by=self.request.user, **form.cleaned_data)  # type: ignore[arg-type]
        return f"Decision recorded; {output.action.reference if output.action else 'its action'} raised in the tracker."


class OutputDeleteView(ObjectMixin, View):
    model = ManagementReview
    required_role = WRITE

    def post(self, request: HttpRequest, pk: int, output_pk: int) -> HttpResponse:
        review = self.get_object()
        output = get_object_or_404(ReviewOutput, pk=output_pk, review=review)
        try:
            services.output_delete(output=output)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, "Decision withdrawn; its action was cancelled.")
        return redirect(reverse("reviews:review_detail", args=[review.pk]) + "#outputs")


class InputUpdateView(ObjectMixin, View):
    """Minutes and hand-written text of one input: with htmx the section is re-rendered in place."""

    model = ReviewInput
    required_role = WRITE

    def get_queryset(self) -> QuerySet[ReviewInput]:
        return super().get_queryset().select_related("review")

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self.get_object()
        form = InputForm(request.POST)
        error = ""
        if not form.is_valid():
            error = "The form was incomplete: reload the page and try again."
        else:
            spec = BY_KEY.get(item.key)
            try:
                services.input_update(
                    review_input=item,
                    version=form.cleaned_data["version"],
                    minutes=form.cleaned_data["minutes"],
                    manual=form.cleaned_data["manual"] if spec and spec.manual else None,
                )
            except StaleEdit as stale:
                error = f"{stale} Your text is below: copy it, reload and save again."
            except ValidationError as refused:
                error = error_text(refused)
        if request.htmx:  # type: ignore[attr-defined]
            fresh = ReviewInput.objects.select_related("review").get(pk=item.pk)
            review = fresh.review
            covered = {e.spec.key: e for e in services.coverage(review, [fresh]) if e.spec.key == fresh.key}
            section = Section(BY_KEY[fresh.key], fresh, covered[fresh.key], present_tables(fresh.compiled))
            context = {
                "section": section,
                "object": review,
                "can_edit": review.status in (S.PLANNED, S.COMPILED),
                "input_error": error,
                "posted": request.POST if error else None,
                "saved": not error,
            }
            return render(request, "reviews/_input.html", context, status=409 if error else 200)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Saved.")
        return redirect(item.get_absolute_url())


class ReviewPdfView(ObjectMixin, View):
    model = ManagementReview

    def get_queryset(self) -> QuerySet[ManagementReview]:
        return _detail_queryset(super().get_queryset())

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = self.get_object()
        return review_pdf(review, request)


def review_pdf(review: ManagementReview, request: HttpRequest) -> HttpResponse:
    context = {
        "object": review,
        "organisation": review.organisation,
        "record": review_record(review),
        "generated": timezone.now(),
    }
    return pdf_response(
        f"management-review-{review.reference}", "reviews/review_report.html", context, request
    )
