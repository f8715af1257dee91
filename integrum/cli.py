"""The `integrum` command.

`integrum demo`, `serve`, `standards …` and `audit verify` are our management commands; any
other subcommand is Django's (`integrum migrate`, `integrum createsuperuser`, …).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integrum.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "integrum"
    if len(args) == 1:
        args.append("help")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
