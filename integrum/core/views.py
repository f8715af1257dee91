"""Views of `core`, and the small generic view layer every app's pages are built from.

Every generic view reads its records from `Model.objects.visible_to(user)` narrowed to the
current organisation, and checks the role its `required_role` names.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db import models, transaction
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from integrum.core import services
from integrum.core.forms import LoginForm, MemberForm, MemberUpdateForm, SiteForm
from integrum.core.middleware import SESSION_KEY
from integrum.core.models import Attachment, Membership, ObjectChange, Role, Site, StaleEdit
from integrum.core.permissions import ADMINISTER, MANAGE, READ, WRITE, can, membership_in

# --- The generic layer -----------------------------------------------------------------------


class OrganisationMixin(LoginRequiredMixin):
    """A page inside the current organisation, for members holding at least `required_role`."""

    required_role: ClassVar[str] = READ
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = request.membership  # type: ignore[attr-defined]
        if membership is None:
            return render(request, "core/no_organisation.html", status=403)
        if not membership.has_role(self.required_role):
            raise PermissionDenied(
                f"This page needs the {Role(self.required_role).label.lower()} role; "
                f"yours is {membership.get_role_display().lower()}."
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def organisation(self) -> Any:
        return self.request.organisation  # type: ignore[attr-defined]

    def can(self, minimum: str) -> bool:
        return bool(self.request.membership.has_role(minimum))  # type: ignore[attr-defined]

    def scoped(self, model: type[models.Model]) -> models.QuerySet[Any]:
        """The model's records this user may see in the current organisation."""
        return model.objects.visible_to(self.request.user).filter(  # type: ignore[attr-defined]
            organisation=self.organisation
        )


class ObjectListView(OrganisationMixin, TemplateView):
    """A paginated, filtered list; with htmx only the table is re-rendered."""

    model: ClassVar[type[models.Model]]
    filterset_class: ClassVar[Any] = None
    paginate_by: ClassVar[int] = 50
    partial_template_name: ClassVar[str | None] = None

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.scoped(self.model)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        queryset = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(self.request.GET, queryset=queryset, request=self.request)
            queryset = filterset.qs if filterset.is_valid() else queryset.none()
        paginator = Paginator(queryset, self.paginate_by)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage:
            page = paginator.page(1)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filter=filterset, page_obj=page, object_list=page.object_list, querystring=query.urlencode()
        )
        return context

    def get_template_names(self) -> list[str]:
        if self.request.htmx and self.partial_template_name:  # type: ignore[attr-defined]
            return [self.partial_template_name]
        return super().get_template_names()


class ObjectMixin(OrganisationMixin):
    model: ClassVar[type[models.Model]]
    object: Any
    kwargs: dict[str, Any]

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.scoped(self.model)

    def get_object(self) -> Any:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """An id the user may not see answers 404 whatever the method, never 405 first."""
        if "pk" in self.kwargs:
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)  # type: ignore[misc]


class ObjectDetailView(ObjectMixin, TemplateView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["history"] = history_of(self.object)
        context["can_write"] = self.can(WRITE)
        return context


class ObjectFormView(ObjectMixin, TemplateView):
    """Create (no pk) or edit a record through a form; stale edits are refused, not merged."""

    form_class: ClassVar[type[BaseForm]]
    required_role = WRITE
    template_name = "generic/object_form.html"
    title: ClassVar[str] = ""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "instance": self.object}

    def get_form(self) -> BaseForm:
        data = self.request.POST if self.request.method == "POST" else None
        files = self.request.FILES if self.request.method == "POST" else None
        return self.form_class(data, files, **self.get_form_kwargs())

    def load(self) -> None:
        self.object = self.get_object() if "pk" in self.kwargs else None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        return self.render_form(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load()
        form = self.get_form()
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = self.save(form)
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, self.success_message(saved))
                return redirect(self.success_url(saved))
        return self.render_form(form, status=400)

    def save(self, form: Any) -> Any:
        """Write the record; override to call a service."""
        return form.save()

    def success_message(self, obj: Any) -> str:
        return f"Saved {obj}."

    def success_url(self, obj: Any) -> str:
        return str(obj.get_absolute_url())

    def render_form(self, form: BaseForm, status: int = 200) -> HttpResponse:
        context = self.get_context_data(
            form=form, object=self.object, title=self.get_title(), cancel_url=self.cancel_url()
        )
        return self.render_to_response(context, status=status)

    def cancel_url(self) -> str:
        if self.object is not None and hasattr(self.object, "get_absolute_url"):
            return str(self.object.get_absolute_url())
        return safe_next(self.request, "/")

    def get_title(self) -> str:
        if self.title:
            return self.title
        verbose = self.model._meta.verbose_name
        return f"Edit {self.object}" if self.object else f"New {verbose}"


class ObjectDeleteView(ObjectMixin, View):
    """POST only: delete through the record's service, then back to the list. A refusal (the
    service's ValidationError) is shown on the record's page and nothing is deleted."""

    required_role = MANAGE
    service: ClassVar[Any]
    keyword: ClassVar[str]
    list_url: ClassVar[str]

    def delete(self, obj: Any) -> None:
        type(self).service(**{self.keyword: obj})

    def deleted_message(self, label: str) -> str:
        return f"Deleted {label}."

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_object()
        label = str(obj)
        try:
            self.delete(obj)
        except ValidationError as error:
            messages.error(request, f"{label} was not deleted. {error_text(error)}")
            return redirect(obj)
        messages.success(request, self.deleted_message(label))
        return redirect(reverse(self.list_url))


def history_of(obj: models.Model) -> models.QuerySet[ObjectChange]:
    """A record's latest 50 change-log entries, in one query."""
    return ObjectChange.objects.for_object(obj).select_related("content_type")[:50]


def error_text(error: ValidationError) -> str:
    """A service's refusal as one sentence, for a message after a redirect."""
    return " ".join(error.messages)


def form_problems(form: BaseForm) -> str:
    """A rejected form's errors as one line, for a message after a redirect."""
    return "; ".join(f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items())


def apply_validation_error(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- Sign in ---------------------------------------------------------------------------------

LOGIN_ATTEMPTS_PER_WINDOW = 10
LOGIN_WINDOW_SECONDS = 300


class LoginView(auth_views.LoginView):
    """Django's login, throttled per client address and account to slow password guessing."""

    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def throttle_keys(self) -> list[str]:
        address = self.request.META.get("REMOTE_ADDR", "")
        email = (self.request.POST.get("username") or "").strip().lower()
        return [f"login-ip:{address}", f"login-user:{email}"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if any((cache.get(key) or 0) >= LOGIN_ATTEMPTS_PER_WINDOW for key in self.throttle_keys()):
            form = self.get_form()
            form.add_error(None, "Too many failed attempts. Wait a few minutes, then try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        for key in self.throttle_keys():
            cache.add(key, 0, LOGIN_WINDOW_SECONDS)
            cache.incr(key)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    pass


# --- Organisation switch ---------------------------------------------------------------------


@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        raise Http404("No such organisation.") from None
    membership = membership_in(request.user, organisation_id)
    if membership is None:
        raise Http404("No such organisation.")
    request.session[SESSION_KEY] = organisation_id
    messages.info(request, f"You are now working in {membership.organisation}.")
    return redirect("reports:home")


# --- Sites and members -----------------------------------------------------------------------


class SiteListView(ObjectListView):
    model = Site
    template_name = "core/site_list.html"


class SiteFormView(ObjectFormView):
    model = Site
    form_class = SiteForm
    required_role = ADMINISTER

    def save(self, form: Any) -> Any:
        form.instance.organisation = self.organisation
        return form.save()

    def success_url(self, obj: Any) -> str:
        return reverse("core:site_list")


class MemberListView(ObjectListView):
    model = Membership
    template_name = "core/member_list.html"

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().select_related("user").prefetch_related("sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_administer"] = self.can(ADMINISTER)
        return context


class MemberAddView(ObjectFormView):
    model = Membership
    form_class = MemberForm
    required_role = ADMINISTER
    title = "Add a member"

    def save(self, form: Any) -> Any:
        data = form.cleaned_data
        membership = services.membership_add(
            organisation=self.organisation,
            email=data["email"],
            role=data["role"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            sites=data["sites"],
        )
        if not membership.user.has_usable_password():
            messages.info(self.request, set_password_message(self.request, membership))
        return membership

    def success_url(self, obj: Any) -> str:
        return reverse("core:member_list")


def set_password_message(request: HttpRequest, membership: Membership) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = membership.user
    link = request.build_absolute_uri(
        reverse(
            "password_set",
            args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
        )
    )
    return f"{user.email} has no password yet. Send them this link to choose one: {link}"


class MemberUpdateView(ObjectFormView):
    model = Membership
    form_class = MemberUpdateForm
    required_role = ADMINISTER

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().select_related("user")

    def save(self, form: Any) -> Any:
        services.ensure_admin_remains(
            membership=Membership.objects.get(pk=self.object.pk), new_role=form.cleaned_data["role"]
        )
        return form.save()

    def success_url(self, obj: Any) -> str:
        return reverse("core:member_list")


@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    membership = get_object_or_404(Membership.objects.visible_to(request.user), pk=pk)
    if not can(request.user, membership.organisation_id, ADMINISTER):
        raise PermissionDenied("Only administrators can remove members.")
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user} is no longer a member.")
    return redirect("core:member_list")


# --- Change log ------------------------------------------------------------------------------


class ChangeListView(ObjectListView):
    """The organisation's whole change log, newest first."""

    model = ObjectChange
    template_name = "core/change_list.html"
    required_role = MANAGE

    def get_queryset(self) -> models.QuerySet[Any]:
        return ObjectChange.objects.filter(organisation_id=self.organisation.pk).select_related(
            "content_type"
        )


# --- Attachments -----------------------------------------------------------------------------


class AttachmentDownloadView(OrganisationMixin, View):
    """Files leave only through here: the record's organisation (and site) must be visible."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
        target = attachment.content_object
        if target is None:
            raise Http404("The record this file belonged to no longer exists.")
        visible = getattr(type(target).objects, "visible_to", None)
        if visible is not None and not visible(request.user).filter(pk=target.pk).exists():
            raise Http404("No such file.")
        response = FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
        )
        response["Content-Type"] = attachment.mime_type
        return response


@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    if not can(request.user, attachment.organisation_id, WRITE):
        raise PermissionDenied("Viewers cannot remove files.")
    fallback = attachment.content_object.get_absolute_url() if attachment.content_object else "/"
    services.attachment_delete(attachment=attachment)
    messages.success(request, f"Removed {attachment.original_name}.")
    return HttpResponseRedirect(safe_next(request, fallback))


# --- Error pages -----------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else "You do not have access to this page."
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
