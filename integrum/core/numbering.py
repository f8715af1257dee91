"""Reference numbers per organisation (ACT-0042), unique even when two people create at once."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from integrum.core.models import NumberSequence, Organisation


def next_number(organisation: Organisation, key: str) -> int:
    """Hand out the next number of `key` in the organisation.

    The UPDATE takes a row lock held until the caller's transaction commits, so concurrent
    callers queue; the first number of a key is created under a savepoint and retried on a race.
    """
    for _ in range(3):
        with transaction.atomic():
            updated = NumberSequence.objects.filter(organisation=organisation, key=key).update(
                last_value=F("last_value") + 1
            )
            if updated:
                return NumberSequence.objects.get(organisation=organisation, key=key).last_value
            try:
                with transaction.atomic():
                    NumberSequence.objects.create(organisation=organisation, key=key, last_value=1)
                return 1
            except IntegrityError:
                continue
    raise RuntimeError(f"Could not allocate a number for {key}.")


def format_reference(prefix: str, number: int, padding: int = 4) -> str:
    return f"{prefix}-{number:0{padding}d}"
