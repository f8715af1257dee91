"""A tiny library of two made-up standards and their correspondence, to bend in each test.

Tests that need the real clause catalogues use the shipped files (the `standards` fixture);
the tiny one makes each kind of mistake in the data easy to write and to read.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrum.standards.loader import DATA_DIR


def clause(number: str, pdca: str = "plan", **extra: Any) -> dict[str, Any]:
    return {
        "number": number,
        "title": f"Clause {number}",
        "pdca": pdca,
        "untitled": False,
        "exclusion_allowed": False,
        "summary": f"What clause {number} is about, in a sentence.",
        "audit_questions": [f"How is clause {number} met?"],
        "mandatory_documented_information": [],
        **extra,
    }


def standard(code: str, clauses: list[dict[str, Any]], edition: str = "2020", **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "edition": edition,
        "amendments": [],
        "title": f"{code} requirements",
        "discipline": "quality",
        "clauses": clauses,
        **extra,
    }


def link(source: str, target: str, kind: str = "equivalent", note: str = "") -> dict[str, str]:
    return {"from": source, "to": target, "kind": kind, "note": note}


def tiny_library() -> dict[str, dict[str, Any]]:
    """File name → content: ISO 1:2020 and ISO 2:2020, linked like the real pair on a small scale."""
    retain = [{"kind": "retain", "description": "Evidence that 4.1 was done"}]
    return {
        "iso1-2020.yaml": standard(
            "ISO 1",
            [
                clause("4"),
                clause("4.1", mandatory_documented_information=retain),
                clause("4.2", exclusion_allowed=True),
                clause("5", "do"),
                clause("5.1", "do"),
                clause("5.2", "do"),
            ],
        ),
        "iso2-2020.yaml": standard(
            "ISO 2",
            [clause("4"), clause("4.1"), clause("4.2"), clause("5", "do"), clause("5.1", "do")],
            discipline="environment",
        ),
        "correspondence.yaml": {
            "from": "ISO 1:2020",
            "to": "ISO 2:2020",
            "links": [
                link("4", "4", "related"),
                link("4.1", "4.1"),
                link("4.2", "4.2"),
                link("5.1", "5.1", "clash", "Same number, another subject."),
            ],
        },
    }


def write_library(directory: Path, files: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False))
    return directory


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """The shipped data files, copied where a test may edit them."""
    target = tmp_path / "shipped"
    shutil.copytree(DATA_DIR, target)
    return target
