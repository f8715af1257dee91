from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "integrum.documents"
    label = "documents"
    verbose_name = "Document control"

    def ready(self) -> None:
        from integrum.core.linking import register_linkable
        from integrum.core.navigation import MenuEntry, register
        from integrum.documents import evidence
        from integrum.documents.models import Document

        register_linkable(Document, "Document", ("reference", "title"))
        register(MenuEntry("Do", "Documents", "documents:document_list", clauses="7.5"))
        evidence.register()  # what a clause's page lists as serving it
