"""The tamper-evident change log.

Each entry's hash covers its own content and the previous entry's hash, so altering, removing
or reordering any stored entry breaks every later link; `verify_chain` finds the first break.
Appends are serialised by locking the single `ChainHead` row inside the writer's transaction.
"""

from __future__ import annotations

import contextvars
import datetime
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from integrum.core.models import ChainHead, ObjectChange

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    request_id: str = ""


@dataclass(frozen=True)
class ChangeNote:
    """Set by a service around a save so the entry says what happened and why."""

    action: str
    message: str


_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("integrum_actor", default=None)
_note: contextvars.ContextVar[ChangeNote | None] = contextvars.ContextVar(
    "integrum_change_note", default=None
)


@contextmanager
def acting_as(user: Any = None, label: str = "") -> Iterator[None]:
    """Attribute the writes inside the block to `user` (or to `label` for the system)."""
    actor = Actor(
        user_id=user.pk if user is not None else None,
        label=label or (str(user) if user is not None else "system"),
        request_id=uuid.uuid4().hex,
    )
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def request_actor(request: Any) -> Iterator[None]:
    """The request is kept rather than its user: API token authentication happens inside the view."""
    request.request_id = uuid.uuid4().hex
    token = _actor.set(request)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def change_note(action: str, message: str) -> Iterator[None]:
    token = _note.set(ChangeNote(action, message))
    try:
        yield
    finally:
        _note.reset(token)


def current_actor() -> Actor:
    value = _actor.get()
    if value is None:
        return Actor(user_id=None, label="system")
    if isinstance(value, Actor):
        return value
    user = getattr(value, "user", None)  # a request
    request_id = getattr(value, "request_id", "")
    if user is not None and user.is_authenticated:
        return Actor(user_id=user.pk, label=str(user), request_id=request_id)
    return Actor(user_id=None, label="anonymous", request_id=request_id)


def current_note() -> ChangeNote | None:
    return _note.get()


# --- Snapshots -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value that reads back from the database exactly as written (so hashes stay stable)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | uuid.UUID):
        return DjangoJSONEncoder().default(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values, by column name, without the excluded noise fields."""
    excluded: frozenset[str] = getattr(instance, "change_log_exclude", frozenset())
    return {
        field.attname: _plain(field.value_from_object(instance))
        for field in instance._meta.concrete_fields
        if field.name not in excluded and field.attname not in excluded
    }


# --- Appending and verifying -----------------------------------------------------------------


def entry_hash(entry: ObjectChange) -> str:
    payload = {
        "id": entry.pk,
        "time": entry.time.astimezone(datetime.UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "organisation_id": entry.organisation_id,
        "content_type": entry.content_type_id,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "message": entry.message,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def organisation_id_of(instance: models.Model) -> int | None:
    from integrum.core.models import Organisation

    if isinstance(instance, Organisation):
        return instance.pk
    return getattr(instance, "organisation_id", None)


def append(
    instance: models.Model,
    *,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    message: str = "",
) -> ObjectChange:
    """Write one entry for `instance`, linked to the current tip of the chain."""
    actor = current_actor()
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # a database emptied by a flush (tests) starts a new chain
            head, _ = ChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        entry = ObjectChange(
            id=head.last_id + 1,
            time=timezone.now().astimezone(datetime.UTC),
            actor_id=actor.user_id,
            actor_label=actor.label[:200],
            organisation_id=organisation_id_of(instance),
            content_type_id=ContentType.objects.get_for_model(instance, for_concrete_model=True).pk,
            object_id=str(instance.pk),
            object_repr=str(instance)[:300],
            action=action,
            before=before,
            after=after,
            message=message[:500],
            request_id=actor.request_id,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(last_id=entry.pk, last_hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain() -> VerifyResult:
    """Recompute every link, in order; stop at the first entry that does not fit."""
    expected_id, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in ObjectChange.objects.order_by("id").iterator(chunk_size=2000):
        if entry.pk != expected_id:
            return VerifyResult(checked, expected_id, f"entry #{expected_id} is missing")
        if entry.prev_hash != prev_hash:
            return VerifyResult(checked, entry.pk, "it does not point to the entry before it")
        if entry_hash(entry) != entry.hash:
            return VerifyResult(checked, entry.pk, "its content does not match its hash")
        prev_hash, expected_id, checked = entry.hash, expected_id + 1, checked + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return VerifyResult(checked, expected_id - 1, "the chain's head record is missing")
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != prev_hash):
        return VerifyResult(checked, head.last_id, f"entries after #{expected_id - 1} have been removed")
    return VerifyResult(checked)
