"""Property tests of the pure scoring functions: any valid matrix, any input."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from integrum.risks import scoring


@dataclass
class Matrix:
    size: int
    bands: list[dict[str, Any]]
    likelihood_labels: list[str] = field(default_factory=list)
    consequence_labels: list[str] = field(default_factory=list)


@st.composite
def matrices(draw: Any) -> Matrix:
    """A valid N×N matrix: bands cut 1..N² anywhere, levels non-decreasing."""
    size = draw(st.integers(scoring.MIN_SIZE, scoring.MAX_SIZE))
    top = size * size
    cuts = sorted(draw(st.sets(st.integers(1, top - 1), max_size=min(6, top - 1))))
    ends = [*cuts, top]
    levels = sorted(
        draw(st.lists(st.sampled_from(scoring.LEVELS), min_size=len(ends), max_size=len(ends))),
        key=scoring.LEVELS.index,
    )
    bands = [
        {"up_to": end, "label": f"Band {i}", "level": level}
        for i, (end, level) in enumerate(zip(ends, levels, strict=True))
    ]
    labels = [f"L{i}" for i in range(1, size + 1)]
    return Matrix(size, bands, labels, [f"C{i}" for i in range(1, size + 1)])


@given(matrix=matrices(), data=st.data())
def test_it_scores_likelihood_times_consequence_in_the_band_that_covers_it(matrix: Matrix, data: Any) -> None:
    scoring.validate_matrix(matrix.size, matrix.likelihood_labels, matrix.consequence_labels, matrix.bands)
    likelihood = data.draw(st.integers(1, matrix.size))
    consequence = data.draw(st.integers(1, matrix.size))
    value, band = scoring.score(likelihood, consequence, matrix)
    assert value == likelihood * consequence
    assert band.covers(value)
    assert band.low <= value <= band.up_to


@given(matrix=matrices())
def test_it_has_monotonic_bands_covering_every_score_without_gaps(matrix: Matrix) -> None:
    bands = scoring.bands_of(matrix)
    assert bands[0].low == 1 and bands[-1].up_to == matrix.size**2
    for lower, upper in itertools.pairwise(bands):
        assert upper.low == lower.up_to + 1
        assert scoring.LEVELS.index(upper.level) >= scoring.LEVELS.index(lower.level)
    for value in range(1, matrix.size**2 + 1):
        assert sum(band.covers(value) for band in bands) == 1


@given(
    matrix=matrices(), l1=st.integers(1, 5), c1=st.integers(1, 5), l2=st.integers(1, 5), c2=st.integers(1, 5)
)
def test_it_never_puts_a_higher_score_in_a_less_severe_band(
    matrix: Matrix, l1: int, c1: int, l2: int, c2: int
) -> None:
    if max(l1, c1, l2, c2) > matrix.size:
        return
    (s1, b1), (s2, b2) = scoring.score(l1, c1, matrix), scoring.score(l2, c2, matrix)
    if s1 <= s2:
        assert scoring.LEVELS.index(b1.level) <= scoring.LEVELS.index(b2.level)


@given(
    matrix=matrices(),
    likelihood=st.one_of(
        st.integers(-10, 0), st.integers(6, 100), st.none(), st.text(max_size=3), st.floats(), st.booleans()
    ),
    consequence=st.integers(1, 3),
)
def test_it_refuses_a_likelihood_outside_the_matrix(
    matrix: Matrix, likelihood: Any, consequence: int
) -> None:
    with pytest.raises(ValidationError) as caught:
        scoring.score(likelihood, consequence, matrix)
    assert "likelihood" in caught.value.message_dict


@given(matrix=matrices(), extra=st.integers(1, 20))
def test_it_refuses_a_consequence_beyond_the_size(matrix: Matrix, extra: int) -> None:
    with pytest.raises(ValidationError) as caught:
        scoring.score(1, matrix.size + extra, matrix)
    assert "consequence" in caught.value.message_dict


@given(matrix=matrices(), data=st.data())
def test_it_refuses_bands_with_a_gap_or_wrong_end(matrix: Matrix, data: Any) -> None:
    top = matrix.size**2
    broken = [dict(band) for band in matrix.bands]
    broken[-1]["up_to"] = data.draw(
        st.one_of(
            st.integers(top + 1, 100),
            st.just(top - 1 if top - 1 > (broken[-2]["up_to"] if len(broken) > 1 else 0) else top + 1),
        )
    )
    with pytest.raises(ValidationError) as caught:
        scoring.validate_matrix(matrix.size, matrix.likelihood_labels, matrix.consequence_labels, broken)
    assert "bands" in caught.value.message_dict


@given(matrix=matrices())
def test_it_refuses_bands_out_of_severity_order(matrix: Matrix) -> None:
    if len(matrix.bands) < 2:
        return
    broken = [dict(band) for band in matrix.bands]
    broken[0]["level"], broken[-1]["level"] = "critical", "low"
    with pytest.raises(ValidationError):
        scoring.validate_matrix(matrix.size, matrix.likelihood_labels, matrix.consequence_labels, broken)


@given(size=st.integers(scoring.MIN_SIZE, scoring.MAX_SIZE), wrong=st.integers(0, 8))
def test_it_refuses_a_label_count_that_is_not_the_size(size: int, wrong: int) -> None:
    if wrong == size:
        return
    labels = [f"x{i}" for i in range(wrong)]
    with pytest.raises(ValidationError) as caught:
        scoring.validate_matrix(size, labels, [f"c{i}" for i in range(size)], scoring.default_bands(size))
    assert "likelihood_labels" in caught.value.message_dict


@pytest.mark.parametrize("size", [2, 6, 0, None, "5", 4.0, True])
def test_it_refuses_sizes_outside_three_to_five(size: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        scoring.validate_matrix(size, [], [], [])
    assert "size" in caught.value.message_dict


@pytest.mark.parametrize("size", [3, 4, 5])
def test_it_offers_valid_default_bands_for_every_size(size: int) -> None:
    labels = [f"l{i}" for i in range(size)]
    scoring.validate_matrix(size, labels, labels, scoring.default_bands(size))


def test_it_uses_the_published_default_banding() -> None:
    matrix = Matrix(5, scoring.DEFAULT_BANDS)
    assert [
        scoring.score(lk, co, matrix)[1].level for lk, co in [(1, 4), (1, 5), (3, 3), (2, 5), (3, 5), (5, 5)]
    ] == [
        "low",
        "medium",
        "medium",
        "high",
        "critical",
        "critical",
    ]
