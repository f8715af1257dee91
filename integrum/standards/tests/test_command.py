from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from integrum.cli import main
from integrum.standards.tests.conftest import clause, tiny_library, write_library

pytestmark = pytest.mark.django_db

STANDARD_KEYS = ["code", "edition", "title", "amendments", "clauses"]
CLAUSE_KEYS = [
    "number",
    "title",
    "parent",
    "pdca",
    "untitled",
    "exclusion_allowed",
    "summary",
    "audit_questions",
    "mandatory_documented_information",
]


def run(*args: str) -> str:
    out = StringIO()
    call_command("standards", *args, stdout=out)
    return out.getvalue()


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """The real `integrum` entry point, for its exit status and what it printed."""
    try:
        main(["integrum", "standards", *args])
    except SystemExit as exit:
        code = int(exit.code or 0)
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def links_by_pair(export: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(c["from"], c["to"]): c["kind"] for c in export["correspondences"]}


def test_it_exports_the_library_in_the_agreed_shape(standards: None) -> None:
    export = json.loads(run("export", "--format", "json"))

    assert list(export) == ["standards", "correspondences"]
    by_key = {f"{s['code']}:{s['edition']}": s for s in export["standards"]}
    assert set(by_key) == {"ISO 9001:2015", "ISO 14001:2015"}
    iso9001 = by_key["ISO 9001:2015"]
    assert list(iso9001) == STANDARD_KEYS
    assert iso9001["amendments"] == ["Amd 1:2024"]
    assert all(list(c) == CLAUSE_KEYS for s in export["standards"] for c in s["clauses"])
    numbers = [c["number"] for c in iso9001["clauses"]]
    assert numbers[:3] == ["4", "4.1", "4.2"]
    assert numbers.index("10") > numbers.index("9.3.3")
    scope = next(c for c in iso9001["clauses"] if c["number"] == "4.3")
    assert scope["parent"] == "4"
    assert scope["mandatory_documented_information"][0]["kind"] == "maintain"
    assert list(scope["mandatory_documented_information"][0]) == ["kind", "description"]
    assert iso9001["clauses"][0]["parent"] is None
    assert all(list(c) == ["from", "to", "kind", "note"] for c in export["correspondences"])


def test_it_exports_the_clashes_and_never_makes_them_equivalent(standards: None) -> None:
    export = json.loads(run("export"))

    kinds = links_by_pair(export)
    for number in ("6.1.2", "8.2", "9.1.2"):
        assert kinds[(f"ISO 9001:2015/{number}", f"ISO 14001:2015/{number}")] == "clash"
    equivalents = [pair for pair, kind in kinds.items() if kind == "equivalent"]
    assert ("ISO 9001:2015/8.2", "ISO 14001:2015/8.2") not in equivalents
    assert not any(pair[0].endswith("/8.2") and pair[1].endswith("/8.2") for pair in equivalents)
    assert ("ISO 9001:2015/4.1", "ISO 14001:2015/4.1") in equivalents


def test_it_prints_indented_unescaped_json(standards: None) -> None:
    output = run("export")

    assert output.startswith('{\n  "standards": [\n    {\n      "code": ')
    assert "Quality management systems — Requirements" in output


def test_it_exports_one_edition_with_the_links_touching_it(standards: None) -> None:
    export = json.loads(run("export", "--standard", "ISO 14001:2015"))

    assert [s["code"] for s in export["standards"]] == ["ISO 14001"]
    assert export["correspondences"]
    assert all("ISO 14001:2015/" in c["to"] for c in export["correspondences"])


def test_it_refuses_to_export_an_edition_not_loaded(standards: None, capsys: Any) -> None:
    code, _, err = run_cli(capsys, "export", "--standard", "ISO 9001:2008")

    assert code == 1
    assert "No standard ISO 9001:2008 is loaded" in err


def test_it_exports_with_a_fixed_number_of_queries(standards: None, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(4):
        run("export")


def test_it_refuses_any_format_but_json(capsys: Any) -> None:
    code, out, err = run_cli(capsys, "export", "--format", "xml")

    assert code != 0
    assert out == ""
    assert "invalid choice: 'xml'" in err


def test_it_prints_a_summary_per_standard_when_loading() -> None:
    first = run("load")
    second = run("load")

    assert "ISO 9001:2015 (iso9001-2015.yaml): added, clauses 91 created" in first
    assert "ISO 14001:2015 (iso14001-2015.yaml): added" in first
    assert "The standards library is loaded." in first
    assert "ISO 9001:2015 (iso9001-2015.yaml): unchanged, 91 clauses" in second
    assert "already up to date" in second


def test_it_loads_from_another_directory(tmp_path: Path) -> None:
    output = run("load", "--path", str(write_library(tmp_path, tiny_library())))

    assert "ISO 1:2020 (iso1-2020.yaml): added, clauses 6 created" in output


def test_it_exits_with_the_problems_when_the_data_is_wrong(tmp_path: Path, capsys: Any) -> None:
    files = tiny_library()
    files["iso1-2020.yaml"]["clauses"].append(clause("6.1"))
    files["iso2-2020.yaml"]["clauses"][0]["pdca"] = "soon"

    code, _, err = run_cli(capsys, "load", "--path", str(write_library(tmp_path, files)))

    assert code == 1
    assert "iso1-2020.yaml, clause 6.1: its parent 6 is not in the file" in err
    assert "iso2-2020.yaml, clause 4: `pdca` must be one of plan, do, check, act" in err
    assert "nothing was changed" in err
