"""The app shell's menu, organised by Plan–Do–Check–Act.

Apps register their pages in `AppConfig.ready()`, so the menu lists only pages that exist and
`core` never imports a domain app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from integrum.core.models import Role

PHASES = ["Plan", "Do", "Check", "Act", "Library", "Organisation"]


@dataclass(frozen=True)
class MenuEntry:
    phase: str
    label: str
    url_name: str
    clauses: str = ""
    minimum_role: str = Role.VIEWER


_entries: list[MenuEntry] = []


def register(entry: MenuEntry) -> None:
    if entry.phase not in PHASES:
        raise ValueError(f"Unknown menu phase {entry.phase!r}")
    if entry not in _entries:
        _entries.append(entry)


def navigation_for(request: Any) -> list[dict[str, Any]]:
    membership = request.membership
    current = request.path
    sections = []
    for phase in PHASES:
        items = []
        for entry in _entries:
            if entry.phase != phase or not membership.has_role(entry.minimum_role):
                continue
            url = reverse(entry.url_name)
            items.append({"entry": entry, "url": url, "active": current.startswith(url) and url != "/"})
        if items:
            sections.append({"phase": phase, "items": items})
    return sections
