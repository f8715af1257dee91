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
    allowed = [
        (entry, reverse(entry.url_name)) for entry in _entries if membership.has_role(entry.minimum_role)
    ]
    # The current page belongs to the entry with the longest URL that is a prefix of it.
    matching = [url for _, url in allowed if request.path.startswith(url) and url != "/"]
    active = max(matching, key=len, default=None)
    sections = []
    for phase in PHASES:
        items = [
            {"entry": entry, "url": url, "active": url == active}
            for entry, url in allowed
            if entry.phase == phase
        ]
        if items:
            sections.append({"phase": phase, "items": items})
    return sections
