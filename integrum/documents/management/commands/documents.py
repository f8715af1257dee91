"""`integrum documents import|publish`: migrate a document register, and the daily publication.

`import REGISTER --files DIR_OR_ZIP --organisation SLUG --as EMAIL` checks every row of a CSV or
XLSX register and the file each names, prints every problem and exits 1 if there is any; with
`--commit` it then imports all of it, or nothing. `publish` makes effective every approved
revision whose effective date has come; run it daily (cron or a systemd timer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrum.core.changelog import acting_as
from integrum.core.models import Membership, Organisation, Role
from integrum.documents import importing, services


class Command(BaseCommand):
    help = "Import a document register from another system, or publish revisions whose date has come."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,publish}")
        load = actions.add_parser(
            "import",
            help="Check (and with --commit, import) a CSV or XLSX register of documents and their files.",
        )
        load.add_argument("register", type=Path, help="The register: a CSV or XLSX file.")
        load.add_argument(
            "--files",
            type=Path,
            required=True,
            metavar="DIR_OR_ZIP",
            help="A folder or a ZIP holding the files.",
        )
        load.add_argument(
            "--organisation", required=True, metavar="SLUG", help="The organisation to import into."
        )
        load.add_argument(
            "--as",
            dest="email",
            required=True,
            metavar="EMAIL",
            help="Who the import is recorded as (a contributor or above).",
        )
        load.add_argument(
            "--commit", action="store_true", help="Import for real; without it, only check (a dry run)."
        )
        actions.add_parser(
            "publish", help="Make effective the approved revisions whose effective date has come."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "publish":
            with acting_as(None, label="scheduled publication"):
                count = services.revisions_publish_due()
            noun = "revision" if count == 1 else "revisions"
            self.stdout.write(f"{count} {noun} became effective.")
            return
        self.run_import(options)

    def run_import(self, options: dict[str, Any]) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug “{options['organisation']}”.")
        membership = (
            Membership.objects.filter(organisation=organisation, user__email__iexact=options["email"])
            .select_related("user")
            .first()
        )
        if membership is None:
            raise CommandError(f"{options['email']} is not a member of {organisation}.")
        if not membership.has_role(Role.CONTRIBUTOR):
            raise CommandError(
                f"{membership.user} is a viewer of {organisation}: importing needs a contributor."
            )
        register_path: Path = options["register"]
        files_path: Path = options["files"]
        if not register_path.is_file():
            raise CommandError(f"There is no register file at {register_path}.")
        if not files_path.exists():
            raise CommandError(f"There is no folder or ZIP at {files_path}.")
        source = importing.open_source(files_path)
        try:
            with register_path.open("rb") as handle, acting_as(membership.user):
                register = UploadedFile(
                    file=handle, name=register_path.name, size=register_path.stat().st_size
                )
                result = importing.run_import(
                    organisation=organisation,
                    user=membership.user,
                    register=register,
                    files=source,
                    commit=options["commit"],
                )
        finally:
            source.close()
        if not result.ok:
            for line in result.lines():
                self.stderr.write(line)
            count = len(result.errors) + len(result.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found: nothing was imported.", returncode=1
            )
        for row in result.rows:
            self.stdout.write(
                f"row {row.row}: {row.reference} {row.title} ({row.kind_label}), revision {row.label}, "
                f"approved {row.approved_on:%Y-%m-%d}{f' by {row.approver}' if row.approver else ''}"
            )
        count = len(result.rows)
        noun = "document" if count == 1 else "documents"
        if options["commit"]:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {len(result.created)} {noun} into {organisation}.")
            )
        else:
            self.stdout.write(
                f"Dry run: {count} {noun} would be imported. Run again with --commit to import them."
            )
