from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "integrum.documents"
    label = "documents"
    verbose_name = "Document control"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.documents.models import Document

        register_linkable(Document, "Document", ("reference", "title"))
