"""`integrum standards load|export`: keep the standards library in step with its data files.

`load` is safe to run on every deploy: it checks all files first, changes nothing when any is
wrong, and skips files that did not change. `export` prints the library as it sits in the database,
in the same vocabulary as the data files, for review or for other tools.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Prefetch, Q

from integrum.standards.loader import DATA_DIR, LibraryError, load_library
from integrum.standards.models import Clause, Correspondence, Standard


class Command(BaseCommand):
    help = "Load the standards library from its YAML data files, or export it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,export}")
        load = actions.add_parser("load", help="Load or update the library from a directory of YAML files.")
        load.add_argument(
            "--path",
            type=Path,
            default=DATA_DIR,
            help="Directory of data files (default: the shipped library).",
        )
        export = actions.add_parser("export", help="Print the loaded library.")
        export.add_argument("--format", choices=["json"], default="json", help="Output format (only json).")
        export.add_argument(
            "--standard",
            action="append",
            metavar="KEY",
            help='Only this edition, e.g. "ISO 9001:2015"; repeat for several (default: all).',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self.load(options["path"])
        else:
            self.stdout.write(export_json(options["standard"]))

    def load(self, directory: Path) -> None:
        try:
            report = load_library(directory)
        except LibraryError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
        if report.changed:
            self.stdout.write(self.style.SUCCESS("The standards library is loaded."))
        else:
            self.stdout.write("The standards library was already up to date.")


def export_json(keys: list[str] | None) -> str:
    """The library (or the named editions) and every correspondence touching it, as JSON.

    Four queries whatever the size: standards, clauses, documented information, correspondences.
    """
    standards = Standard.objects.prefetch_related(
        Prefetch(
            "clauses",
            queryset=Clause.objects.select_related("parent")
            .prefetch_related("mandatory_documents")
            .order_by("sort_key"),
        )
    )
    if keys:
        wanted = Q()
        for key in keys:
            code, _, edition = key.rpartition(":")
            wanted |= Q(code=code, edition=edition)
        standards = standards.filter(wanted)
    chosen = list(standards)
    unknown = sorted(set(keys or []) - {standard.key for standard in chosen})
    if unknown:
        raise CommandError(
            f"No standard {', '.join(unknown)} is loaded; name an edition as in "
            '"ISO 9001:2015" (the full list: integrum standards export).'
        )
    correspondences = Correspondence.objects.filter(
        Q(from_clause__standard__in=chosen) | Q(to_clause__standard__in=chosen)
    ).select_related("from_clause__standard", "to_clause__standard")
    payload = {
        "standards": [
            {
                "code": standard.code,
                "edition": standard.edition,
                "title": standard.title,
                "amendments": standard.amendments,
                "clauses": [_clause(clause) for clause in standard.clauses.all()],
            }
            for standard in chosen
        ],
        "correspondences": [
            {
                "from": link.from_clause.reference,
                "to": link.to_clause.reference,
                "kind": link.kind,
                "note": link.note,
            }
            for link in correspondences.order_by(
                "from_clause__standard__code",
                "from_clause__standard__edition",
                "from_clause__sort_key",
                "to_clause__standard__code",
                "to_clause__standard__edition",
                "to_clause__sort_key",
            )
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _clause(clause: Clause) -> dict[str, Any]:
    return {
        "number": clause.number,
        "title": clause.title,
        "parent": clause.parent.number if clause.parent else None,
        "pdca": clause.pdca,
        "untitled": clause.untitled,
        "exclusion_allowed": clause.exclusion_allowed,
        "summary": clause.summary,
        "audit_questions": clause.audit_questions,
        "mandatory_documented_information": [
            {"kind": document.kind, "description": document.description}
            for document in clause.mandatory_documents.all()
        ],
    }
