"""Electronic signatures: the signer proves who they are by re-entering their password.

Wrong passwords are throttled like sign-in attempts, since a signature is a password check.
Every app that signs (document approvals, nonconformity closures, management reviews) checks the
password here and writes the signature to the change log with its meaning.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError

from integrum.core.models import User

SIGNATURE_ATTEMPTS = 5
SIGNATURE_WINDOW_SECONDS = 900


def check_signature_password(user: User, password: str) -> None:
    """Raise ValidationError on `password` unless it is the user's; count failures per user."""
    key = f"signature-attempts:{user.pk}"
    if (cache.get(key) or 0) >= SIGNATURE_ATTEMPTS:
        raise ValidationError({"password": "Too many wrong passwords. Wait 15 minutes, then sign again."})
    if not user.check_password(password):
        cache.add(key, 0, SIGNATURE_WINDOW_SECONDS)
        cache.incr(key)
        raise ValidationError({"password": "The password is not correct: the signature was not recorded."})
    cache.delete(key)
