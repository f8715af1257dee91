"""`integrum factors import|list|export|keymap`: emission-factor datasets from the command line.

`import FILE` reads a publisher's workbook (DESNZ flat file or full set, EPA hub) and stores it as
a new dataset, or refuses it and changes nothing. `list` prints one dataset per line, its
identifier first. `export --dataset ID --format csv` writes every factor of a dataset.
`keymap --flat FILE --full FILE` rebuilds the table that gives full-set factors the flat file's
keys, for when DESNZ renames activities in a new edition.
"""

from __future__ import annotations

import csv
import io
import sys
import warnings
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from openpyxl import load_workbook

from integrum.core.changelog import acting_as
from integrum.ghg import factors
from integrum.ghg.models import FactorDataset
from integrum.ghg.parsers import desnz_full


class Command(BaseCommand):
    help = "Import, list and export emission-factor datasets."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,list,export,keymap}")
        load = actions.add_parser("import", help="Import a publisher's workbook as a new dataset.")
        load.add_argument("file", type=Path, help="The workbook (.xlsx) as downloaded from the publisher.")
        actions.add_parser("list", help="One line per dataset: identifier, publisher, edition, version, …")
        export = actions.add_parser("export", help="Write every factor of a dataset.")
        export.add_argument(
            "--dataset", required=True, metavar="ID", help="The dataset's identifier, e.g. desnz-2025-v1."
        )
        export.add_argument("--format", choices=["csv"], default="csv", help="Output format (only csv).")
        export.add_argument(
            "--output", type=Path, metavar="FILE", help="Write to this file (default: standard output)."
        )
        keymap = actions.add_parser(
            "keymap", help="Print the DESNZ full-set key table, built from a flat file and a full set."
        )
        keymap.add_argument("--flat", type=Path, required=True, metavar="FILE", help="A DESNZ flat file.")
        keymap.add_argument("--full", type=Path, required=True, metavar="FILE", help="A DESNZ full set.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self.run_import(options["file"])
        elif action == "list":
            self.run_list()
        elif action == "export":
            self.run_export(options["dataset"], options["output"])
        else:
            self.run_keymap(options["flat"], options["full"])

    def run_import(self, path: Path) -> None:
        data = read(path)
        try:
            with acting_as(None, label="integrum factors import"):
                dataset = factors.dataset_import(name=path.name, data=data)
        except ValidationError as error:
            raise CommandError(f"{' '.join(error.messages)} Nothing was imported.") from error
        self.stdout.write(f"{dataset.identifier}: imported {dataset.factor_count} factors ({dataset.name}).")

    def run_list(self) -> None:
        found = list(factors.datasets().order_by("family", "-edition", "-version"))
        if not found:
            self.stderr.write("No emission-factor dataset is imported yet (integrum factors import FILE).")
        for dataset in found:
            fields = [
                dataset.identifier,
                dataset.publisher,
                str(dataset.edition),
                dataset.version,
                dataset.gwp_set,
                f"{dataset.factor_count} factors",
                dataset.licence,
            ]
            self.stdout.write("\t".join(fields))

    def run_export(self, identifier: str, output: Path | None) -> None:
        dataset = FactorDataset.objects.filter(identifier=identifier).first()
        if dataset is None:
            known = ", ".join(FactorDataset.objects.values_list("identifier", flat=True)) or "none yet"
            raise CommandError(f"No dataset is called {identifier} (imported: {known}).")
        if output is None:
            try:
                write_csv(dataset, self.stdout)
            except BrokenPipeError:  # the reader stopped early (`| head`): not an error of ours
                sys.stderr.close()
            return
        with output.open("w", encoding="utf-8", newline="") as handle:
            write_csv(dataset, handle)
        self.stderr.write(f"Wrote {dataset.factor_count} factors of {dataset.identifier} to {output}.")

    def run_keymap(self, flat_path: Path, full_path: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            flat = load_workbook(io.BytesIO(read(flat_path)), read_only=True, data_only=True)
            full = load_workbook(io.BytesIO(read(full_path)), read_only=True, data_only=True)
        self.stdout.write(desnz_full.build_key_map(flat, full), ending="")


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandError(f"{path} cannot be read: {error.strerror or error}.") from error


def write_csv(dataset: FactorDataset, stream: TextIO | Any) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    for row in factors.dataset_export_rows(dataset):
        writer.writerow(row)
