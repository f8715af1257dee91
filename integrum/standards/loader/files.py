"""Reading and checking the library's data files, before anything is written.

Every problem in every file is collected, each named with its file and clause, so that one run
tells the editor of the data everything there is to fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Pdca

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml: the pure-Python parser is slower but equal
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

# Up to three digits per part keeps `clause_sort_key` ordering right and within its column.
CLAUSE_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3})*")
DISCIPLINE = re.compile(r"[a-z][a-z-]*")
STANDARD_KEYS = {"code", "edition", "amendments", "title", "discipline", "clauses"}
CLAUSE_KEYS = {
    "number",
    "title",
    "pdca",
    "untitled",
    "exclusion_allowed",
    "summary",
    "audit_questions",
    "mandatory_documented_information",
}
DOCUMENT_KEYS = {"kind", "description"}
CORRESPONDENCE_KEYS = {"from", "to", "links"}
LINK_KEYS = {"from", "to", "kind", "note"}


class LibraryError(Exception):
    """The library data is wrong or cannot be applied; `problems` names every mistake found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The standards library was not loaded; nothing was changed ({count}):\n{lines}")


# --- What the files say ----------------------------------------------------------------------


@dataclass
class ClauseSpec:
    number: str
    title: str
    pdca: str
    untitled: bool
    exclusion_allowed: bool
    summary: str
    audit_questions: list[str]
    documents: list[tuple[str, str]]
    is_leaf: bool = True

    @property
    def parent_number(self) -> str | None:
        return self.number.rpartition(".")[0] or None

    @property
    def depth(self) -> int:
        """1 for a top clause such as `4`, 2 for `4.1` and so on."""
        return self.number.count(".") + 1


@dataclass
class StandardSpec:
    file: str
    digest: str
    code: str
    edition: str
    title: str
    discipline: str
    amendments: list[str]
    clauses: list[ClauseSpec]

    @property
    def key(self) -> str:
        return f"{self.code}:{self.edition}"


@dataclass(frozen=True)
class LinkSpec:
    from_number: str
    to_number: str
    kind: str
    note: str


@dataclass
class CorrespondenceSpec:
    file: str
    from_key: str
    to_key: str
    links: list[LinkSpec]


# --- Reading and checking --------------------------------------------------------------------


class _StrictLoader(_SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (PyYAML would keep the last)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"the key {key!r} is given twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Collects the problems of one file, each prefixed with the file and the place in it."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems
        self.ok = True

    def report(self, where: str, message: str) -> None:
        self.ok = False
        self.problems.append(f"{self.file}{', ' + where if where else ''}: {message}")

    def keys(self, data: Any, where: str, allowed: set[str], required: Iterable[str]) -> bool:
        """True if `data` is a mapping; unknown and missing keys are reported."""
        if not isinstance(data, dict):
            self.report(where, f"expected a mapping of {', '.join(sorted(allowed))}, got {_kind(data)}")
            return False
        for key in data:
            if key not in allowed:
                self.report(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in data:
                self.report(where, f"`{key}` is missing")
        return True

    def text(self, data: dict[str, Any], key: str, where: str, max_length: int | None = None) -> str:
        value = data.get(key)
        if key not in data:
            return ""  # reported by `keys` when required
        if not isinstance(value, str) or not value.strip():
            self.report(where, f"`{key}` must be a non-empty quoted string, got {_kind(value)}")
            return ""
        if max_length is not None and len(value) > max_length:
            self.report(where, f"`{key}` is {len(value)} characters long; at most {max_length} fit")
        return value.strip()

    def flag(self, data: dict[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.report(where, f"`{key}` must be true or false, got {_kind(value)}")
            return False
        return value

    def texts(self, data: dict[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.report(where, f"`{key}` must be a list of non-empty strings")
            return []
        return [v.strip() for v in value]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool | int | float):
        return f"the {type(value).__name__} {value!r}"
    return f"a {type(value).__name__}"


def _read(path: Path, problems: list[str]) -> tuple[dict[str, Any] | None, str]:
    """The file's top-level mapping (None after reporting why there is none) and its digest."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        data = yaml.load(raw, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        line = f"line {error.problem_mark.line + 1}: " if error.problem_mark else ""
        problems.append(f"{path.name}: not valid YAML: {line}{error.problem}")
        return None, digest
    except yaml.YAMLError as error:
        problems.append(f"{path.name}: not valid YAML: {error}")
        return None, digest
    if not isinstance(data, dict):
        problems.append(f"{path.name}: expected a mapping at the top of the file, got {_kind(data)}")
        return None, digest
    return data, digest


def _parse_standard(file: str, digest: str, data: dict[str, Any], problems: list[str]) -> StandardSpec:
    """What the file says, even where it is wrong, so links can still be checked against it."""
    check = _Checker(file, problems)
    check.keys(data, "", STANDARD_KEYS, ["code", "edition", "title", "discipline", "clauses"])
    code = check.text(data, "code", "", max_length=40)
    edition = check.text(data, "edition", "", max_length=10)
    for key, value in (("code", code), ("edition", edition)):
        if ":" in value or "/" in value:
            check.report(
                "", f"`{key}` cannot contain ':' or '/': they separate the parts of a clause reference"
            )
    title = check.text(data, "title", "", max_length=200)
    discipline = check.text(data, "discipline", "", max_length=40)
    if discipline and not DISCIPLINE.fullmatch(discipline):
        check.report(
            "", f"`discipline` must be one lowercase word such as quality or environment, got {discipline!r}"
        )
    amendments = check.texts(data, "amendments", "")
    raw_clauses = data.get("clauses", [])
    if not isinstance(raw_clauses, list) or not raw_clauses:
        check.report("", "`clauses` must be a non-empty list")
        raw_clauses = []
    clauses = [c for i, raw in enumerate(raw_clauses) if (c := _parse_clause(check, i, raw)) is not None]
    _check_tree(check, clauses)
    return StandardSpec(file, digest, code, edition, title, discipline, amendments, clauses)


def _parse_clause(check: _Checker, index: int, raw: Any) -> ClauseSpec | None:
    number = raw.get("number") if isinstance(raw, dict) else None
    where = f"clause {number}" if isinstance(number, str) else f"clause #{index + 1} in the list"
    if not check.keys(raw, where, CLAUSE_KEYS, ["number", "title", "pdca", "summary"]) or "number" not in raw:
        return None
    if not isinstance(number, str) or not CLAUSE_NUMBER.fullmatch(number):
        check.report(where, f'`number` must be a quoted clause number such as "8.2.1", got {_kind(number)}')
        return None
    pdca = raw.get("pdca")
    if "pdca" in raw and pdca not in Pdca.values:
        check.report(where, f"`pdca` must be one of {', '.join(Pdca.values)}, got {_kind(pdca)}")
    documents = []
    raw_documents = raw.get("mandatory_documented_information", [])
    if not isinstance(raw_documents, list):
        check.report(where, "`mandatory_documented_information` must be a list")
        raw_documents = []
    for position, document in enumerate(raw_documents, start=1):
        place = f"{where}, documented information #{position}"
        if check.keys(document, place, DOCUMENT_KEYS, DOCUMENT_KEYS):
            kind = document.get("kind")
            if "kind" in document and kind not in MandatoryDocument.Kind.values:
                check.report(place, f"`kind` must be maintain or retain, got {_kind(kind)}")
            documents.append((str(kind), check.text(document, "description", place)))
    return ClauseSpec(
        number=number,
        title=check.text(raw, "title", where, max_length=200),
        pdca=str(pdca),
        untitled=check.flag(raw, "untitled", where),
        exclusion_allowed=check.flag(raw, "exclusion_allowed", where),
        summary=check.text(raw, "summary", where),
        audit_questions=check.texts(raw, "audit_questions", where),
        documents=documents,
    )


def _check_tree(check: _Checker, clauses: list[ClauseSpec]) -> None:
    """Numbers are unique and every parent comes before its children; marks the leaves."""
    seen: dict[str, ClauseSpec] = {}
    for clause in clauses:
        where = f"clause {clause.number}"
        parent = clause.parent_number
        if clause.number in seen:
            check.report(where, "the number is used twice")
        elif parent is not None and parent not in seen:
            later = any(c.number == parent for c in clauses)
            check.report(
                where,
                f"its parent {parent} must come before it in the list"
                if later
                else f"its parent {parent} is not in the file",
            )
        if parent in seen:
            seen[parent].is_leaf = False
        seen.setdefault(clause.number, clause)


def _parse_correspondence(file: str, data: dict[str, Any], problems: list[str]) -> CorrespondenceSpec | None:
    check = _Checker(file, problems)
    check.keys(data, "", CORRESPONDENCE_KEYS, CORRESPONDENCE_KEYS)
    ends = []
    for key in ("from", "to"):
        value = check.text(data, key, "")
        if value and (":" not in value or "/" in value):
            check.report("", f'`{key}` must name a standard edition such as "ISO 9001:2015", got {value!r}')
        ends.append(value)
    raw_links = data.get("links", [])
    if not isinstance(raw_links, list):
        check.report("", "`links` must be a list")
        raw_links = []
    links = []
    for index, raw in enumerate(raw_links):
        where = _link_place(raw, index)
        if not check.keys(raw, where, LINK_KEYS, ["from", "to", "kind"]):
            continue
        kind = raw.get("kind")
        if "kind" in raw and kind not in Correspondence.Kind.values:
            check.report(
                where, f"`kind` must be one of {', '.join(Correspondence.Kind.values)}, got {_kind(kind)}"
            )
        note = raw.get("note") or ""
        if not isinstance(note, str):
            check.report(where, f"`note` must be text, got {_kind(note)}")
        from_number, to_number = raw.get("from"), raw.get("to")
        if "from" not in raw or "to" not in raw:
            continue
        if not isinstance(from_number, str) or not isinstance(to_number, str):
            check.report(where, '`from` and `to` must be quoted clause numbers such as "8.2"')
            continue
        links.append(LinkSpec(from_number, to_number, str(kind), note))
    if not check.ok:
        return None
    return CorrespondenceSpec(file, ends[0], ends[1], links)


def _link_place(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("from"), str) and isinstance(raw.get("to"), str):
        return f"link {raw['from']} → {raw['to']}"
    return f"link #{index + 1} in the list"


def _check_links(
    spec: CorrespondenceSpec, catalogues: dict[str, dict[str, bool]], problems: list[str]
) -> None:
    """Both ends exist; no pair twice; `equivalent` joins two leaves, each in at most one such pair.

    `catalogues` maps a standard's key to its clause numbers and whether each one is a leaf.
    """
    check = _Checker(spec.file, problems)
    if spec.from_key == spec.to_key:
        check.report("", f"a standard cannot correspond to itself ({spec.from_key})")
        return
    sides = []
    for key in (spec.from_key, spec.to_key):
        if key not in catalogues:
            check.report("", f"no standard file or loaded standard is {key}")
        sides.append(catalogues.get(key))
    left, right = sides
    if left is None or right is None:
        return
    pairs: set[tuple[str, str]] = set()
    equivalent_from: dict[str, str] = {}
    equivalent_to: dict[str, str] = {}
    for link in spec.links:
        where = f"link {link.from_number} → {link.to_number}"
        for number, catalogue, key in (
            (link.from_number, left, spec.from_key),
            (link.to_number, right, spec.to_key),
        ):
            if number not in catalogue:
                check.report(where, f"{key} has no clause {number}")
        if (link.from_number, link.to_number) in pairs:
            check.report(where, "this pair is listed twice")
        pairs.add((link.from_number, link.to_number))
        if link.kind != Correspondence.Kind.EQUIVALENT:
            continue
        for number, catalogue, key in (
            (link.from_number, left, spec.from_key),
            (link.to_number, right, spec.to_key),
        ):
            if catalogue.get(number) is False:
                check.report(
                    where,
                    f"{key}/{number} has sub-clauses; `equivalent` joins two leaf clauses, "
                    "so the gap analysis can assess the pair as one item",
                )
        for number, used, other in (
            (link.from_number, equivalent_from, link.to_number),
            (link.to_number, equivalent_to, link.from_number),
        ):
            owner = spec.from_key if used is equivalent_from else spec.to_key
            if number in used and used[number] != other:
                check.report(
                    where,
                    f"{owner}/{number} is already equivalent to {used[number]}; "
                    "a clause can be equivalent to one clause only",
                )
            used.setdefault(number, other)


def _catalogue_in_database(key: str) -> dict[str, bool] | None:
    code, _, edition = key.rpartition(":")
    rows = Clause.objects.filter(standard__code=code, standard__edition=edition).values_list(
        "number", "is_leaf"
    )
    return dict(rows) or None


def read_library(directory: Path) -> tuple[list[StandardSpec], list[CorrespondenceSpec]]:
    """Every file of the directory, fully checked; raises LibraryError listing all problems."""
    if not directory.is_dir():
        raise LibraryError([f"{directory} is not a directory"])
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise LibraryError([f"{directory} holds no *.yaml files"])
    problems: list[str] = []
    standards: list[StandardSpec] = []
    correspondences: list[CorrespondenceSpec] = []
    unreadable = False
    for path in paths:
        data, digest = _read(path, problems)
        if data is None:
            unreadable = True
        elif ("code" in data) == ("links" in data):
            problems.append(
                f"{path.name}: a data file is either a standard (with `code`) or a correspondence "
                "(with `links`), not both or neither"
            )
        elif "code" in data:
            standards.append(_parse_standard(path.name, digest, data, problems))
        elif (correspondence := _parse_correspondence(path.name, data, problems)) is not None:
            correspondences.append(correspondence)
    # A link to a standard whose file could not be read would only add false alarms.
    if not unreadable:
        _check_across_files(standards, correspondences, problems)
    if problems:
        raise LibraryError(problems)
    return standards, correspondences


def _check_across_files(
    standards: list[StandardSpec], correspondences: list[CorrespondenceSpec], problems: list[str]
) -> None:
    """One file per standard edition and per pair; every link fits the standards it joins."""
    catalogues: dict[str, dict[str, bool]] = {}
    files: dict[str, str] = {}
    for standard in standards:
        if not (standard.code and standard.edition):
            continue
        if standard.key in files:
            problems.append(f"{standard.file}: {standard.key} is also defined in {files[standard.key]}")
        files[standard.key] = standard.file
        catalogues[standard.key] = {c.number: c.is_leaf for c in standard.clauses}
    pair_files: dict[frozenset[str], str] = {}
    for spec in correspondences:
        pair = frozenset((spec.from_key, spec.to_key))
        if pair in pair_files:
            problems.append(
                f"{spec.file}: {spec.from_key} and {spec.to_key} are already linked in {pair_files[pair]}"
            )
        pair_files[pair] = spec.file
        for key in (spec.from_key, spec.to_key):
            if key not in catalogues and (catalogue := _catalogue_in_database(key)) is not None:
                catalogues[key] = catalogue
        _check_links(spec, catalogues, problems)
