"""`integrum audit verify`: recompute the change log's hash chain and report the first break.

Exit status 0 means every entry is intact and in place; 1 means an entry was altered, removed or
reordered since it was written (or the latest entries were cut off), and names where.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrum.core.changelog import verify_chain


class Command(BaseCommand):
    help = "Checks on the tamper-evident change log."
    # The check reads only the change log: it must work even while other parts of the code are broken.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        subcommands.add_parser(
            "verify",
            help="Recompute the hash chain of the change log; exit 1 at the first entry that does not fit.",
        )

    def handle(self, *args: Any, subcommand: str | None = None, **options: Any) -> None:
        if subcommand is None:
            self.print_help("integrum", "audit")
            return
        if subcommand == "verify":
            self.verify()

    def verify(self) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"Change log broken at entry #{result.broken_id}: {result.reason}. "
                f"{result.checked} entries before it verified.",
                returncode=1,
            )
        noun = "entry" if result.checked == 1 else "entries"
        self.stdout.write(self.style.SUCCESS(f"Change log intact: {result.checked} {noun} verified."))
