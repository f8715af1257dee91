"""The `documents/`, `document-revisions/` and `acknowledgements/` collections: document control
(clause 7.5), written through `documents.services`.

Files leave only through `document-revisions/{id}/download/`, after the same visibility check as
every other read, and each download is logged. A revision becomes effective on its last
signature or on its effective date (`revisions_publish_due`), never by a call of its own.
"""

from integrum.documents.api.acknowledgements import AcknowledgementViewSet
from integrum.documents.api.documents import DocumentViewSet
from integrum.documents.api.revisions import DocumentRevisionViewSet

__all__ = ["AcknowledgementViewSet", "DocumentRevisionViewSet", "DocumentViewSet"]
