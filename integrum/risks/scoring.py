"""Risk scoring on a likelihood × consequence matrix: pure functions, no database.

A matrix is N×N (N from 3 to 5) with a label per likelihood and per consequence level; a score
is likelihood × consequence (1 … N²) and falls in one of the matrix's bands, an ordered list of
``{"up_to": int, "label": str, "level": "low" | "medium" | "high" | "critical"}`` that covers
1 … N² without gaps (each band starts one above the previous band's ``up_to``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError

MIN_SIZE, MAX_SIZE = 3, 5
LEVELS = ("low", "medium", "high", "critical")
LEVEL_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
MAX_LABEL = 60

DEFAULT_SIZE = 5
DEFAULT_LIKELIHOOD_LABELS = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
DEFAULT_CONSEQUENCE_LABELS = ["Insignificant", "Minor", "Moderate", "Major", "Catastrophic"]
# methods-and-ghg.md C.2: 1–4 low, 5–9 medium, 10–14 high, 15–25 critical.
DEFAULT_BANDS: list[dict[str, Any]] = [
    {"up_to": 4, "label": "Low", "level": "low"},
    {"up_to": 9, "label": "Medium", "level": "medium"},
    {"up_to": 14, "label": "High", "level": "high"},
    {"up_to": 25, "label": "Critical", "level": "critical"},
]


@dataclass(frozen=True)
class Band:
    low: int  # first score in the band
    up_to: int  # last score in the band
    label: str
    level: str

    def covers(self, value: int) -> bool:
        return self.low <= value <= self.up_to


class MatrixLike(Protocol):
    @property
    def size(self) -> int: ...

    @property
    def bands(self) -> Sequence[Mapping[str, Any]]: ...


def bands_of(matrix: MatrixLike) -> list[Band]:
    """The matrix's bands with their lower bounds filled in."""
    result, low = [], 1
    for band in matrix.bands:
        result.append(Band(low, int(band["up_to"]), str(band["label"]), str(band["level"])))
        low = int(band["up_to"]) + 1
    return result


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def score(likelihood: Any, consequence: Any, matrix: MatrixLike) -> tuple[int, Band]:
    """(likelihood × consequence, its band); ValidationError for values outside the matrix."""
    size = matrix.size
    errors = {}
    for name, value in (("likelihood", likelihood), ("consequence", consequence)):
        number = _whole(value)
        if number is None or not 1 <= number <= size:
            errors[name] = f"Choose a {name} from 1 to {size}."
    if errors:
        raise ValidationError(errors)
    value = int(likelihood) * int(consequence)
    for band in bands_of(matrix):
        if band.covers(value):
            return value, band
    raise ValidationError(
        f"The matrix has no band for a score of {value}; an administrator must fix its bands."
    )


def validate_matrix(
    size: Any,
    likelihood_labels: Any,
    consequence_labels: Any,
    bands: Any,
) -> None:
    """Refuse a matrix that cannot score: wrong size, label counts, bands with gaps or out of order."""
    errors: dict[str, str] = {}
    n = _whole(size)
    if n is None or not MIN_SIZE <= n <= MAX_SIZE:
        raise ValidationError({"size": f"Choose a size from {MIN_SIZE} to {MAX_SIZE}."})
    for field, labels, axis in (
        ("likelihood_labels", likelihood_labels, "likelihood"),
        ("consequence_labels", consequence_labels, "consequence"),
    ):
        if not isinstance(labels, list | tuple) or len(labels) != n:
            errors[field] = f"Give exactly {n} {axis} labels, one per level, lowest first."
        elif any(not isinstance(label, str) or not label.strip() for label in labels):
            errors[field] = f"Every {axis} level needs a label."
        elif any(len(label) > MAX_LABEL for label in labels):
            errors[field] = f"Keep each {axis} label to {MAX_LABEL} characters."
        elif len({label.strip().lower() for label in labels}) != n:
            errors[field] = f"Two {axis} levels have the same label."
    problem = _bands_problem(n, bands)
    if problem:
        errors["bands"] = problem
    if errors:
        raise ValidationError(errors)


def _bands_problem(n: int, bands: Any) -> str:
    top = n * n
    if not isinstance(bands, list | tuple) or not bands:
        return f"Give at least one band; together the bands must cover scores 1 to {top}."
    previous, previous_level = 0, -1
    for position, band in enumerate(bands, start=1):
        if not isinstance(band, Mapping) or set(band) != {"up_to", "label", "level"}:
            return f"Band {position} needs exactly an upper score, a label and a level."
        up_to = _whole(band["up_to"])
        if up_to is None or up_to <= previous:
            return f"Band {position} must end above {previous}: each band starts where the one before ends."
        if up_to > top:
            return f"Band {position} ends at {up_to}, beyond the highest score {top}."
        label = band["label"]
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
            return f"Band {position} needs a label of 1 to {MAX_LABEL} characters."
        if band["level"] not in LEVELS:
            return f"Band {position}: the level must be one of {', '.join(LEVELS)}."
        level = LEVELS.index(band["level"])
        if level < previous_level:
            return f"Band {position} is less severe than the band below it; order the bands from low to critical."
        previous, previous_level = up_to, level
    if previous != top:
        return f"The last band ends at {previous}; it must end at the highest score, {top}."
    return ""


def default_bands(size: int) -> list[dict[str, Any]]:
    """Bands for an N×N matrix scaled from the default 5×5 banding (used when resizing)."""
    if size == DEFAULT_SIZE:
        return [dict(band) for band in DEFAULT_BANDS]
    top = size * size
    cuts = sorted({max(1, round(band["up_to"] * top / 25)) for band in DEFAULT_BANDS[:-1]})
    result: list[dict[str, Any]] = []
    levels = list(LEVELS)
    for index, cut in enumerate(cuts):
        if cut < top:
            result.append({"up_to": cut, "label": LEVEL_LABELS[levels[index]], "level": levels[index]})
    result.append({"up_to": top, "label": "Critical", "level": "critical"})
    return result
