"""The project's only signal receivers: they write the change log for every `ChangeLoggedModel`,
whatever the entry point (page, API, admin, command)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from integrum.core import changelog
from integrum.core.models import ChangeLoggedModel, ObjectChange


def _logged(sender: Any) -> bool:
    return isinstance(sender, type) and issubclass(sender, ChangeLoggedModel)


@receiver(pre_save)
def remember_before(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if not _logged(sender) or raw or instance._state.adding:
        return
    previous = sender._base_manager.filter(pk=instance.pk).first()
    instance._change_before = changelog.snapshot(previous) if previous is not None else None  # type: ignore[attr-defined]


@receiver(post_save)
def log_save(sender: Any, instance: models.Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not _logged(sender) or raw:
        return
    after = changelog.snapshot(instance)
    note = changelog.current_note()
    before = None if created else instance.__dict__.pop("_change_before", None)
    if before is not None:
        changed = [key for key in after if before.get(key) != after[key]]
        if not changed and note is None:
            return  # a save that changed nothing is not a change
        before = {key: before.get(key) for key in changed}
        after = {key: after[key] for key in changed}
    action: str
    if created:
        action = ObjectChange.Action.CREATE
    else:
        action = note.action if note else ObjectChange.Action.UPDATE
    changelog.append(
        instance, action=action, before=before, after=after, message=note.message if note else ""
    )


@receiver(post_delete)
def log_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    if _logged(sender):
        changelog.append(
            instance, action=ObjectChange.Action.DELETE, before=changelog.snapshot(instance), after=None
        )


@receiver(m2m_changed)
def log_m2m(sender: Any, instance: models.Model, action: str, reverse: bool, **kwargs: Any) -> None:
    if reverse or not isinstance(instance, ChangeLoggedModel):
        return
    field = next((f for f in instance._meta.many_to_many if f.remote_field.through is sender), None)
    if field is None:
        return
    if action.startswith("pre_"):
        instance.__dict__[f"_m2m_before_{field.name}"] = sorted(
            getattr(instance, field.name).values_list("pk", flat=True)
        )
        return
    before = instance.__dict__.pop(f"_m2m_before_{field.name}", None)
    after = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    if before is None or before == after:
        return
    changelog.append(
        instance, action=ObjectChange.Action.UPDATE, before={field.name: before}, after={field.name: after}
    )
