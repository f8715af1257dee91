"""`integrum import readings FILE`: check a CSV or XLSX file of readings and commit it, or nothing.

The rows are checked first, with a progress line every PROGRESS_EVERY rows; any row error is
printed (the first MAX_PRINTED of them and how many more) and the command exits 1 having written
nothing. `--dry-run` stops after the check. Writes are recorded in the change log as made from
the command line.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrum.core.changelog import acting_as
from integrum.core.models import Organisation
from integrum.measurement import readings, services
from integrum.measurement.models import ReadingBatch

MAX_PRINTED = 50


class Command(BaseCommand):
    help = "Import data: `import readings FILE` checks and commits meter readings from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", metavar="{readings}")
        load = kinds.add_parser(
            "readings",
            help="Check a CSV or XLSX file of readings (columns meter, timestamp or start and end, value, "
            "unit, quality) and commit all of it, or nothing.",
        )
        load.add_argument("file", type=Path, help="The CSV or XLSX file.")
        load.add_argument(
            "--organisation",
            metavar="SLUG_OR_ID",
            help="The organisation whose meters the readings are for (needed when there are several).",
        )
        load.add_argument("--dry-run", action="store_true", help="Only check; write nothing.")

    def handle(self, *args: Any, kind: str | None = None, **options: Any) -> None:
        if kind != "readings":
            self.print_help("integrum", "import")
            return
        self.import_readings(options["file"], options["organisation"], options["dry_run"])

    def organisation(self, given: str | None) -> Organisation:
        if given:
            found = Organisation.objects.filter(slug=given).first()
            if found is None and given.isdigit():
                found = Organisation.objects.filter(pk=int(given)).first()
            if found is None:
                raise CommandError(f"No organisation has the slug or id “{given}”.")
            return found
        organisations = list(Organisation.objects.all()[:2])
        if not organisations:
            raise CommandError("There is no organisation yet.")
        if len(organisations) > 1:
            raise CommandError("There are several organisations: say which one with --organisation SLUG.")
        return organisations[0]

    def import_readings(self, path: Path, organisation_given: str | None, dry_run: bool) -> None:
        organisation = self.organisation(organisation_given)
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        if readings.extension_of(path.name) not in services.IMPORT_EXTENSIONS:
            raise CommandError("Import a CSV or XLSX file.")
        data = path.read_bytes()
        expected = readings.count_rows(path.name, data)
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"checked {done} of {total} rows ({time.perf_counter() - started:.1f} s)")

        with acting_as(None, label="command line"):
            try:
                result, batch = services.readings_check_and_commit(
                    organisation=organisation,
                    user=None,
                    rows=readings.rows_from_file(path.name, data),
                    source=ReadingBatch.Source.IMPORT,
                    file_name=path.name,
                    dry_run=dry_run,
                    progress=progress,
                    expected=expected,
                )
            except ValidationError as error:
                raise CommandError(
                    f"{' '.join(error.messages)} Nothing was committed.", returncode=1
                ) from None
        if not result.ok:
            for problem in result.errors[:MAX_PRINTED]:
                self.stderr.write(f"row {problem['row']}, {problem['column']}: {problem['message']}")
            more = result.error_count - min(len(result.errors), MAX_PRINTED)
            if more:
                self.stderr.write(f"… and {more} more error{'s' if more != 1 else ''}.")
            raise CommandError(result.summary(), returncode=1)
        for warning in result.warnings[:10]:
            self.stdout.write(f"row {warning['row']} (warning): {warning['message']}")
        if result.warning_count > 10:
            self.stdout.write(f"… and {result.warning_count - 10} more warnings.")
        if batch is None:
            self.stdout.write(self.style.SUCCESS(f"{result.summary()} Dry run: nothing was committed."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.summary('committed')} Batch {batch.pk} for {organisation} "
                f"({time.perf_counter() - started:.1f} s)."
            )
        )
