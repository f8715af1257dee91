"""The API's policy: who may call what, how lists are paged and what every error looks like.

Settings name these classes (`REST_FRAMEWORK`), and DRF's `APIView` reads those settings while
its module is imported; so this module must not import `rest_framework.views`, `generics` or
`viewsets` at module level (the viewsets live in each app's `api.py`).

Every error, whatever raised it, leaves the API as::

    {"error": {"status": 400, "code": "invalid", "message": "A sentence for people.",
               "fields": {"owner": ["The owner must be a member of the organisation."]}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page, Paginator
from django.core.signals import got_request_exception
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.http import Http404
from django.utils.log import log_response
from rest_framework import exceptions, pagination, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from integrum.core.models import Organisation, Role, StaleEdit
from integrum.core.permissions import ADMINISTER, MANAGE, READ, WRITE, membership_in, memberships_of

if TYPE_CHECKING:
    from rest_framework.request import Request

# --- Roles -----------------------------------------------------------------------------------

# What an operation needs when the view does not say otherwise (`required_roles`).
METHOD_ROLES = {
    "GET": READ,
    "HEAD": READ,
    "OPTIONS": READ,
    "POST": WRITE,
    "PUT": WRITE,
    "PATCH": WRITE,
    "DELETE": MANAGE,
}


def required_role(request: Request, view: Any) -> str:
    """The role the view's current action needs: `view.required_roles[action]`, else by method."""
    roles: Mapping[str, str] = getattr(view, "required_roles", {})
    action = getattr(view, "action", None)
    if action is not None and action in roles:
        return roles[action]
    return METHOD_ROLES.get(request.method or "", ADMINISTER)  # any other method: the strictest


def organisation_id_of(obj: Any) -> int | None:
    """The organisation a record belongs to; None for reference data (standards, clauses)."""
    if isinstance(obj, Organisation):
        return obj.pk
    return getattr(obj, "organisation_id", None)


def require_role(request: Request, organisation_id: int | None, role: str) -> None:
    """Refuse (403) unless the user holds `role` in the organisation.

    Callers only ask about organisations whose records the user can already see, so the refusal
    reveals nothing the user did not know.
    """
    membership = membership_in(request.user, organisation_id)
    if membership is not None and membership.has_role(role):
        return
    needed = Role(role).label.lower()
    if membership is None:
        raise exceptions.PermissionDenied(f"This needs the {needed} role, and you are not a member here.")
    raise exceptions.PermissionDenied(
        f"This needs the {needed} role in {membership.organisation}; yours is "
        f"{membership.get_role_display().lower()}."
    )


class RolePermission(permissions.BasePermission):
    """The same roles as the pages: viewer reads, contributor writes, manager deletes, admin administers.

    Reading needs only a signed-in user, because every queryset starts from `visible_to(user)`
    (an outsider gets 404, never 403). Other operations need the role in at least one
    organisation here, and in the record's own organisation once the record is known; creates
    check the chosen organisation with `require_role`.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "action", "") is None:
            return True  # a method the view does not offer: let it answer 405
        role = required_role(request, view)
        if role == READ:
            return True
        if not any(m.has_role(role) for m in memberships_of(request.user)):
            raise exceptions.PermissionDenied(f"This needs the {Role(role).label.lower()} role.")
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        role = required_role(request, view)
        organisation_id = organisation_id_of(obj)
        if organisation_id is None:
            return role == READ  # reference data is read-only for everybody
        require_role(request, organisation_id, role)
        return True


# --- Pagination ------------------------------------------------------------------------------

MAX_PAGE_SIZE = 200


def _positive_int(raw: str, field: str, message: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise exceptions.ValidationError({field: [message]})
    return value


class Pagination(pagination.PageNumberPagination):
    """Page-number pagination whose `page` and `page_size` are validated (400, not 404 or a guess)."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return cast(int, self.page_size)  # settings.REST_FRAMEWORK["PAGE_SIZE"]
        message = f"Give a whole number from 1 to {MAX_PAGE_SIZE}."
        size = _positive_int(raw, self.page_size_query_param, message)
        if size > MAX_PAGE_SIZE:
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return size

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        paginator = Paginator(queryset, self.get_page_size(request))
        raw = request.query_params.get(self.page_query_param, "")
        number = 1 if raw == "" else _positive_int(raw, self.page_query_param, "Give a page number from 1.")
        if number > paginator.num_pages:
            pages = "is only 1 page" if paginator.num_pages == 1 else f"are only {paginator.num_pages} pages"
            raise exceptions.ValidationError({self.page_query_param: [f"There {pages}."]})
        self.request = request
        self.page: Page[Any] = paginator.page(number)
        self.display_page_controls = paginator.num_pages > 1 and self.template is not None
        return list(self.page)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = MAX_PAGE_SIZE
        return parameters


# --- Errors ----------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed or is in use; reload it and try again."
    default_code = "conflict"


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(help_text="A stable, machine-readable code: invalid, not_found, conflict, …")
    message = serializers.CharField(help_text="What went wrong, in a sentence for people.")
    # The JSON key is `fields`; DRF's metaclass takes declared fields out of the class body, so
    # the serializer's own `fields` property is untouched.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Errors by field (dotted paths for nested values); empty when no field is to blame.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error the API returns."""

    error = ErrorDetailSerializer()


def error_body(
    status_code: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"status": status_code, "code": code, "message": message, "fields": dict(fields or {})}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"actions": {0: ["…"]}} → {"actions.0": ["…"]}: one level, so clients need no recursion."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        flat = {}
        for index, value in enumerate(detail):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix: [str(item) for item in items]} if items else {}


def _validation_body(detail: Any) -> dict[str, Any]:
    flat = _flatten(detail if isinstance(detail, Mapping) else {api_settings.NON_FIELD_ERRORS_KEY: detail})
    general = flat.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
    if general:
        message = " ".join(general)
    else:
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in flat.items())
        message = f"Some values are not valid. {problems}"
    return error_body(status.HTTP_400_BAD_REQUEST, "invalid", message, flat)


def _as_api_exception(exc: Exception) -> Exception:
    """Translate what Django, services and models raise into the API's exceptions."""
    if isinstance(exc, Http404):
        return exceptions.NotFound("No such record among those you can see.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: messages
                for name, messages in exc.message_dict.items()
            }
            return exceptions.ValidationError(detail)
        return exceptions.ValidationError(exc.messages)
    if isinstance(exc, StaleEdit):
        return Conflict(str(exc), code="stale_edit")
    if isinstance(exc, ProtectedError | RestrictedError):
        users = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        examples = ", ".join(sorted(str(obj) for obj in list(users)[:3]))
        return Conflict(f"It cannot be deleted while other records use it ({examples}).", code="in_use")
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every error as `{"error": {...}}`; the request's transaction is rolled back: nothing half-done stays.

    Django's `ValidationError` (raised by services) becomes 400 with its field errors, `StaleEdit`
    409, a protected delete 409, anything unexpected 500.
    """
    # DRF's handler adds the WWW-Authenticate and Retry-After headers and marks the rollback.
    from rest_framework.views import exception_handler as drf_exception_handler

    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return _server_error(exc, context)
    assert isinstance(exc, exceptions.APIException)  # DRF's handler answers nothing else
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
    else:
        response.data = error_body(response.status_code, str(exc.get_codes()), str(exc.detail))
    return response


def _server_error(exc: Exception, context: dict[str, Any]) -> Response:
    """An unexpected exception: logged with its traceback like Django's own 500, answered in our format."""
    from rest_framework.views import set_rollback

    set_rollback()
    request = getattr(context.get("request"), "_request", None)
    # Django's error reporting (and the test client, which re-raises) listen to this signal.
    got_request_exception.send(sender=None, request=request)
    response = Response(
        error_body(
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            "server_error",
            "Something went wrong on our side. The error has been logged; try again later.",
        ),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
    if request is not None:
        log_response(
            "Internal Server Error: %s", request.path, response=response, request=request, exception=exc
        )
    return response
