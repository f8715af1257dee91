from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.apps import apps

from integrum.core.models import Organisation
from integrum.standards.loader import LibraryError, load_library
from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Standard
from integrum.standards.tests.conftest import clause, link, standard, tiny_library, write_library

pytestmark = pytest.mark.django_db


def catalogue(numbers: str) -> list[str]:
    return numbers.split()


# The clause catalogues of reference/standards-facts.md, section 1 (9001 also has the numbered
# sub-clauses 7.5.3.1–2 and 8.2.3.1–2 that the facts mention for documented information).
ISO_9001 = catalogue("""
4 4.1 4.2 4.3 4.4 4.4.1 4.4.2
5 5.1 5.1.1 5.1.2 5.2 5.2.1 5.2.2 5.3
6 6.1 6.1.1 6.1.2 6.2 6.2.1 6.2.2 6.3
7 7.1 7.1.1 7.1.2 7.1.3 7.1.4 7.1.5 7.1.5.1 7.1.5.2 7.1.6 7.2 7.3 7.4
7.5 7.5.1 7.5.2 7.5.3 7.5.3.1 7.5.3.2
8 8.1 8.2 8.2.1 8.2.2 8.2.3 8.2.3.1 8.2.3.2 8.2.4 8.3 8.3.1 8.3.2 8.3.3 8.3.4 8.3.5 8.3.6
8.4 8.4.1 8.4.2 8.4.3 8.5 8.5.1 8.5.2 8.5.3 8.5.4 8.5.5 8.5.6 8.6 8.7 8.7.1 8.7.2
9 9.1 9.1.1 9.1.2 9.1.3 9.2 9.2.1 9.2.2 9.3 9.3.1 9.3.2 9.3.3
10 10.1 10.2 10.2.1 10.2.2 10.3
""")
ISO_14001 = catalogue("""
4 4.1 4.2 4.3 4.4
5 5.1 5.2 5.3
6 6.1 6.1.1 6.1.2 6.1.3 6.1.4 6.2 6.2.1 6.2.2
7 7.1 7.2 7.3 7.4 7.4.1 7.4.2 7.4.3 7.5 7.5.1 7.5.2 7.5.3
8 8.1 8.2
9 9.1 9.1.1 9.1.2 9.2 9.2.1 9.2.2 9.3
10 10.1 10.2 10.3
""")


def numbers(key: str) -> list[str]:
    code, _, edition = key.rpartition(":")
    return list(
        Clause.objects.filter(standard__code=code, standard__edition=edition)
        .order_by("sort_key")
        .values_list("number", flat=True)
    )


def clause_at(key: str, number: str) -> Clause:
    code, _, edition = key.rpartition(":")
    return Clause.objects.get(standard__code=code, standard__edition=edition, number=number)


def snapshot() -> list[Any]:
    """Everything the loader writes, to compare before and after a run."""
    return [
        list(Standard.objects.values().order_by("pk")),
        list(Clause.objects.values().order_by("pk")),
        list(MandatoryDocument.objects.values().order_by("pk")),
        list(Correspondence.objects.values().order_by("pk")),
    ]


def nothing_written() -> bool:
    return not (Standard.objects.exists() or Clause.objects.exists() or Correspondence.objects.exists())


# --- The shipped library ---------------------------------------------------------------------


def test_it_loads_both_shipped_standards_with_every_clause_in_document_order() -> None:
    report = load_library()

    assert numbers("ISO 9001:2015") == ISO_9001
    assert numbers("ISO 14001:2015") == ISO_14001
    assert {r.key: (r.added, r.created) for r in report.standards} == {
        "ISO 9001:2015": (True, len(ISO_9001)),
        "ISO 14001:2015": (True, len(ISO_14001)),
    }
    iso9001 = Standard.objects.get(code="ISO 9001", edition="2015")
    assert (iso9001.discipline, iso9001.amendments) == ("quality", ["Amd 1:2024"])
    assert Standard.objects.get(code="ISO 14001").discipline == "environment"


def test_it_keeps_the_clashing_subjects_apart() -> None:
    load_library()

    assert clause_at("ISO 9001:2015", "8.2").title == "Requirements for products and services"
    assert clause_at("ISO 14001:2015", "8.2").title == "Emergency preparedness and response"
    assert clause_at("ISO 9001:2015", "9.1.2").title == "Customer satisfaction"
    assert clause_at("ISO 14001:2015", "9.1.2").title == "Evaluation of compliance"
    assert clause_at("ISO 14001:2015", "6.1.2").title == "Environmental aspects"
    for number in ("6.1.2", "8.2", "9.1.2"):
        between = Correspondence.objects.get(
            from_clause=clause_at("ISO 9001:2015", number), to_clause=clause_at("ISO 14001:2015", number)
        )
        assert between.kind == Correspondence.Kind.CLASH


def test_it_derives_the_tree_from_the_numbers() -> None:
    load_library()

    sub = clause_at("ISO 9001:2015", "7.1.5.1")
    assert sub.parent is not None
    assert (sub.parent.number, sub.depth, sub.is_leaf, sub.sort_key) == ("7.1.5", 4, True, "007.001.005.001")
    assert clause_at("ISO 9001:2015", "7.1").is_leaf is False
    assert clause_at("ISO 14001:2015", "7.1").is_leaf is True
    assert clause_at("ISO 9001:2015", "10").parent is None
    assert numbers("ISO 9001:2015").index("10") > numbers("ISO 9001:2015").index("9.3.3")


def test_it_loads_the_mandatory_documented_information() -> None:
    load_library()

    scope = clause_at("ISO 9001:2015", "4.3").mandatory_documents.get()
    assert scope.kind == MandatoryDocument.Kind.MAINTAIN
    assert clause_at("ISO 9001:2015", "9.2.2").mandatory_documents.filter(kind="retain").exists()
    assert clause_at("ISO 14001:2015", "6.1.3").mandatory_documents.filter(kind="maintain").exists()


def test_it_changes_nothing_the_second_time() -> None:
    load_library()
    before = snapshot()

    report = load_library()

    assert snapshot() == before
    assert all(r.skipped and r.unchanged for r in report.standards)
    assert all(not c.changed and c.unchanged for c in report.correspondences)
    assert not report.changed


def test_it_skips_unchanged_files_by_digest(django_assert_max_num_queries: Any) -> None:
    load_library()

    # One lookup per standard file; five for the correspondence file; the savepoint pair.
    with django_assert_max_num_queries(9):
        load_library()


def test_it_updates_only_the_clauses_that_changed(shipped_copy: Path) -> None:
    load_library(shipped_copy)
    path = shipped_copy / "iso14001-2015.yaml"
    data = yaml.safe_load(path.read_text())
    emergency = next(c for c in data["clauses"] if c["number"] == "8.2")
    emergency["summary"] = "Our rewritten summary of emergency preparedness."
    emergency["mandatory_documented_information"] = [{"kind": "retain", "description": "Drill records"}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    pk = clause_at("ISO 14001:2015", "8.2").pk

    report = load_library(shipped_copy)

    result = next(r for r in report.standards if r.key == "ISO 14001:2015")
    assert (result.created, result.updated, result.unchanged, result.removed) == (0, 1, len(ISO_14001) - 1, 0)
    assert next(r for r in report.standards if r.key == "ISO 9001:2015").skipped
    changed = clause_at("ISO 14001:2015", "8.2")
    assert (changed.pk, changed.summary) == (pk, "Our rewritten summary of emergency preparedness.")
    assert [(d.kind, d.description) for d in changed.mandatory_documents.all()] == [
        ("retain", "Drill records")
    ]


# --- Adding to the library -------------------------------------------------------------------


def test_it_adds_a_new_standard_dropped_beside_the_others(shipped_copy: Path) -> None:
    load_library(shipped_copy)
    write_library(shipped_copy, {"iso45001-2018.yaml": standard("ISO 45001", [clause("4"), clause("4.1")])})

    report = load_library(shipped_copy)

    added = next(r for r in report.standards if r.key == "ISO 45001:2020")
    assert (added.added, added.created) == (True, 2)
    assert all(r.skipped for r in report.standards if r.key != "ISO 45001:2020")
    assert Standard.objects.count() == 3


def test_it_adds_a_new_edition_beside_the_old_one(tmp_path: Path) -> None:
    write_library(tmp_path, {"a.yaml": standard("ISO 1", [clause("4")], edition="2015")})
    load_library(tmp_path)
    write_library(tmp_path, {"b.yaml": standard("ISO 1", [clause("4"), clause("4.1")], edition="2026")})

    load_library(tmp_path)

    assert list(Standard.objects.values_list("edition", flat=True)) == ["2015", "2026"]
    assert numbers("ISO 1:2026") == ["4", "4.1"]


def test_it_links_a_new_correspondence_file_to_standards_already_loaded(tmp_path: Path) -> None:
    files = tiny_library()
    correspondence = files.pop("correspondence.yaml")
    load_library(write_library(tmp_path / "standards", files))

    load_library(write_library(tmp_path / "links", {"links.yaml": correspondence}))

    assert Correspondence.objects.count() == 4


# --- Changing and removing -------------------------------------------------------------------


def test_it_removes_a_clause_that_left_its_file(tmp_path: Path) -> None:
    files = tiny_library()
    load_library(write_library(tmp_path, files))
    files["iso1-2020.yaml"]["clauses"].pop()  # 5.2

    report = load_library(write_library(tmp_path, files))

    assert numbers("ISO 1:2020") == ["4", "4.1", "4.2", "5", "5.1"]
    assert next(r for r in report.standards if r.key == "ISO 1:2020").removed == 1


def test_it_replaces_the_links_of_a_changed_correspondence_file(tmp_path: Path) -> None:
    files = tiny_library()
    load_library(write_library(tmp_path, files))
    files["correspondence.yaml"]["links"] = [
        link("4.1", "4.1", "related", "Now only related."),
        link("5", "5", "related"),
    ]

    report = load_library(write_library(tmp_path, files))

    result = report.correspondences[0]
    assert (result.created, result.updated, result.unchanged, result.removed) == (1, 1, 0, 3)
    assert sorted(Correspondence.objects.values_list("from_clause__number", "kind", "note")) == [
        ("4.1", "related", "Now only related."),
        ("5", "related", ""),
    ]


def test_it_refuses_to_remove_a_clause_that_a_gap_analysis_uses(
    tmp_path: Path, organisation: Organisation
) -> None:
    files = tiny_library()
    load_library(write_library(tmp_path, files))
    target = clause_at("ISO 1:2020", "5.2")
    # Looked up by name: the standards app never imports the apps that build on it.
    assessment = apps.get_model("assessments", "Assessment").objects.create(
        organisation=organisation, title="Gap"
    )
    item = apps.get_model("assessments", "AssessmentItem").objects.create(
        organisation=organisation, assessment=assessment, clause=target, group="5", sort_key=target.sort_key
    )
    item.clauses.add(target)
    files["iso1-2020.yaml"]["clauses"].pop()
    files["iso1-2020.yaml"]["title"] = "A retitled standard"
    before = snapshot()

    with pytest.raises(LibraryError) as raised:
        load_library(write_library(tmp_path, files))

    assert raised.value.problems == [
        "iso1-2020.yaml, clause 5.2: no longer in the file, but ISO 1:2020/5.2 is still used by "
        "1 assessment item; put the clause back or remove those first"
    ]
    assert snapshot() == before


def test_it_refuses_to_remove_a_clause_linked_from_a_file_outside_the_load(tmp_path: Path) -> None:
    files = tiny_library()
    files["correspondence.yaml"]["links"].append(link("5.2", "5", "related"))
    load_library(write_library(tmp_path / "all", files))
    files["iso1-2020.yaml"]["clauses"].pop()

    with pytest.raises(LibraryError, match=r"5\.2 is still used by 1 correspondence;"):
        load_library(write_library(tmp_path / "alone", {"iso1-2020.yaml": files["iso1-2020.yaml"]}))

    assert numbers("ISO 1:2020")[-1] == "5.2"


# --- Mistakes in the data --------------------------------------------------------------------

Files = dict[str, Any]


def _clauses(files: Files) -> list[dict[str, Any]]:
    return files["iso1-2020.yaml"]["clauses"]


def _links(files: Files) -> list[dict[str, Any]]:
    return files["correspondence.yaml"]["links"]


MISTAKES: list[tuple[str, Callable[[Files], Any], str]] = [
    (
        "duplicate number",
        lambda f: _clauses(f).append(clause("4.2")),
        "iso1-2020.yaml, clause 4.2: the number is used twice",
    ),
    (
        "missing parent",
        lambda f: _clauses(f).append(clause("6.1")),
        "iso1-2020.yaml, clause 6.1: its parent 6 is not in the file",
    ),
    (
        "parent after its child",
        lambda f: _clauses(f).extend([clause("6.1"), clause("6")]),
        "iso1-2020.yaml, clause 6.1: its parent 6 must come before it in the list",
    ),
    (
        "bad pdca",
        lambda f: _clauses(f)[1].update(pdca="plann"),
        "iso1-2020.yaml, clause 4.1: `pdca` must be one of plan, do, check, act, got the text 'plann'",
    ),
    (
        "unquoted number",
        lambda f: _clauses(f).append(clause(4.3)),  # type: ignore[arg-type]
        'iso1-2020.yaml, clause #7 in the list: `number` must be a quoted clause number such as "8.2.1", '
        "got the float 4.3",
    ),
    (
        "unknown key",
        lambda f: _clauses(f)[0].update(summery="typo"),
        "iso1-2020.yaml, clause 4: unknown key 'summery'",
    ),
    (
        "missing summary",
        lambda f: _clauses(f)[0].pop("summary"),
        "iso1-2020.yaml, clause 4: `summary` is missing",
    ),
    (
        "bad document kind",
        lambda f: _clauses(f)[1]["mandatory_documented_information"][0].update(kind="keep"),
        "iso1-2020.yaml, clause 4.1, documented information #1: `kind` must be maintain or retain",
    ),
    (
        "flag that is not a boolean",
        lambda f: _clauses(f)[2].update(exclusion_allowed="yes"),
        "iso1-2020.yaml, clause 4.2: `exclusion_allowed` must be true or false, got the text 'yes'",
    ),
    (
        "equivalent to a clause with sub-clauses",
        lambda f: _links(f).append(link("5", "5")),
        "correspondence.yaml, link 5 → 5: ISO 1:2020/5 has sub-clauses; `equivalent` joins two leaf clauses",
    ),
    (
        "equivalent used twice",
        lambda f: _links(f).append(link("5.2", "4.1")),
        "correspondence.yaml, link 5.2 → 4.1: ISO 2:2020/4.1 is already equivalent to 4.1; "
        "a clause can be equivalent to one clause only",
    ),
    (
        "unknown correspondence end",
        lambda f: _links(f).append(link("4.9", "4.2", "related")),
        "correspondence.yaml, link 4.9 → 4.2: ISO 1:2020 has no clause 4.9",
    ),
    (
        "unknown standard",
        lambda f: f["correspondence.yaml"].update(to="ISO 3:2020"),
        "correspondence.yaml: no standard file or loaded standard is ISO 3:2020",
    ),
    (
        "pair listed twice",
        lambda f: _links(f).append(link("4", "4", "related")),
        "correspondence.yaml, link 4 → 4: this pair is listed twice",
    ),
    (
        "unknown link kind",
        lambda f: _links(f)[0].update(kind="same"),
        "correspondence.yaml, link 4 → 4: `kind` must be one of equivalent, related, clash",
    ),
    (
        "same standard twice",
        lambda f: f.update({"copy.yaml": f["iso1-2020.yaml"]}),
        "iso1-2020.yaml: ISO 1:2020 is also defined in copy.yaml",
    ),
    (
        "neither standard nor correspondence",
        lambda f: f.update({"notes.yaml": {"title": "stray"}}),
        "notes.yaml: a data file is either a standard (with `code`) or a correspondence (with `links`)",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "expected"), [(m[1], m[2]) for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_it_names_each_mistake_and_writes_nothing(
    tmp_path: Path, mistake: Callable[[Files], Any], expected: str
) -> None:
    files = tiny_library()
    mistake(files)

    with pytest.raises(LibraryError) as raised:
        load_library(write_library(tmp_path, files))

    assert any(problem.startswith(expected) for problem in raised.value.problems), raised.value.problems
    assert "nothing was changed" in str(raised.value)
    assert nothing_written()


def test_it_lists_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    files = tiny_library()
    _clauses(files)[1]["pdca"] = "later"
    files["iso2-2020.yaml"]["clauses"][2]["title"] = ""
    _links(files).append(link("9", "9", "related"))

    with pytest.raises(LibraryError) as raised:
        load_library(write_library(tmp_path, files))

    assert [p.split(":")[0] for p in raised.value.problems] == [
        "iso1-2020.yaml, clause 4.1",
        "iso2-2020.yaml, clause 4.2",
        "correspondence.yaml, link 9 → 9",
        "correspondence.yaml, link 9 → 9",
    ]


def test_it_writes_nothing_when_a_valid_file_sits_beside_a_broken_one(tmp_path: Path) -> None:
    files = tiny_library()
    files["iso2-2020.yaml"]["clauses"].append(clause("7.1"))

    with pytest.raises(LibraryError):
        load_library(write_library(tmp_path, files))

    assert nothing_written()


def test_it_refuses_a_key_given_twice_in_yaml(tmp_path: Path) -> None:
    write_library(tmp_path, tiny_library())
    path = tmp_path / "iso2-2020.yaml"
    path.write_text(
        path.read_text().replace("  title: Clause 4.1\n", "  title: Clause 4.1\n  title: Again\n")
    )

    with pytest.raises(
        LibraryError, match=r"iso2-2020\.yaml: not valid YAML: .*the key 'title' is given twice"
    ):
        load_library(tmp_path)


def test_it_refuses_a_directory_without_data_files(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="holds no"):
        load_library(tmp_path)
