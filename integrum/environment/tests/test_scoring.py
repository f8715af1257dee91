"""Property tests of the significance methods: every aggregation against a reference computation,
scales, the threshold boundary and the override rules."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from integrum.environment.models import Aspect, AspectAssessment, SignificanceMethod
from integrum.environment.services import check_scores, clean_criteria, evaluate

AGGREGATIONS = ["sum", "product", "max"]


@st.composite
def criteria(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    result = []
    for index in range(count):
        low = draw(st.integers(min_value=0, max_value=20))
        high = draw(st.integers(min_value=low + 1, max_value=low + 30))
        criterion = {"key": f"c{index}", "label": f"Criterion {index}", "scale_min": low, "scale_max": high}
        if draw(st.booleans()):
            criterion["weight"] = str(draw(st.integers(min_value=1, max_value=1000)) / Decimal(100))
        result.append(criterion)
    return result


@st.composite
def method_and_scores(draw, aggregation=None):
    crit = clean_criteria(draw(criteria()))
    scores = {c["key"]: draw(st.integers(min_value=c["scale_min"], max_value=c["scale_max"])) for c in crit}
    method = SimpleNamespace(
        criteria=crit,
        criterion_keys=[c["key"] for c in crit],
        aggregation=aggregation or draw(st.sampled_from(AGGREGATIONS)),
        threshold=Decimal(draw(st.integers(min_value=0, max_value=5000))),
        obligation_override=False,
        emergency_criterion="",
        emergency_min=None,
    )
    return method, scores


def reference_total(method, scores) -> Fraction:
    """Independent computation with exact fractions."""
    values = [Fraction(scores[c["key"]]) * Fraction(c.get("weight", "1")) for c in method.criteria]
    if method.aggregation == "sum":
        return sum(values, Fraction(0))
    if method.aggregation == "product":
        return math.prod(values, start=Fraction(1))
    return max(values)


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_it_aggregates_like_the_reference_computation(aggregation, data):
    method, scores = data.draw(method_and_scores(aggregation))
    outcome = evaluate(method, scores, condition="normal", has_obligation=False)
    expected = reference_total(method, scores)
    assert Fraction(outcome.total) == expected
    assert outcome.above_threshold == (expected >= Fraction(method.threshold))
    assert outcome.significant == outcome.above_threshold
    assert outcome.rule == ""


@given(data=st.data())
@settings(max_examples=150, deadline=None)
def test_it_refuses_a_score_outside_a_criterions_scale(data):
    method, scores = data.draw(method_and_scores())
    criterion = data.draw(st.sampled_from(method.criteria))
    outside = data.draw(
        st.one_of(
            st.integers(max_value=criterion["scale_min"] - 1),
            st.integers(min_value=criterion["scale_max"] + 1),
        )
    )
    with pytest.raises(ValidationError) as error:
        check_scores(method, {**scores, criterion["key"]: outside})
    assert criterion["key"] in error.value.message_dict
    assert check_scores(method, scores) == scores


@given(data=st.data())
@settings(max_examples=50, deadline=None)
def test_it_refuses_missing_unknown_and_non_integer_scores(data):
    method, scores = data.draw(method_and_scores())
    key = method.criteria[0]["key"]
    missing = {k: v for k, v in scores.items() if k != key}
    for bad in (
        missing,
        {**scores, "nonsense": 1},
        {**scores, key: 2.5},
        {**scores, key: True},
        {**scores, key: "x"},
    ):
        with pytest.raises(ValidationError):
            check_scores(method, bad)


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
@given(data=st.data())
@settings(max_examples=100, deadline=None)
def test_it_is_significant_exactly_from_the_threshold(aggregation, data):
    method, scores = data.draw(method_and_scores(aggregation))
    total = evaluate(method, scores, condition="normal", has_obligation=False).total
    method.threshold = total
    assert evaluate(method, scores, condition="normal", has_obligation=False).significant
    method.threshold = total + Decimal("0.0001")
    assert not evaluate(method, scores, condition="normal", has_obligation=False).significant


@given(data=st.data(), condition=st.sampled_from(Aspect.Condition.values), has_obligation=st.booleans())
@settings(max_examples=200, deadline=None)
def test_it_applies_the_override_rules(data, condition, has_obligation):
    method, scores = data.draw(method_and_scores())
    criterion = data.draw(st.sampled_from(method.criteria))
    method.threshold = Decimal(10**12)  # the score alone never makes it significant
    method.obligation_override = data.draw(st.booleans())
    method.emergency_criterion = criterion["key"]
    method.emergency_min = data.draw(
        st.integers(min_value=criterion["scale_min"], max_value=criterion["scale_max"])
    )
    outcome = evaluate(method, scores, condition=condition, has_obligation=has_obligation)
    by_obligation = method.obligation_override and has_obligation
    by_emergency = condition == "emergency" and scores[criterion["key"]] >= method.emergency_min
    assert outcome.significant == (by_obligation or by_emergency)
    if by_obligation:
        assert outcome.rule == AspectAssessment.Rule.OBLIGATION
    elif by_emergency:
        assert outcome.rule == AspectAssessment.Rule.EMERGENCY
    else:
        assert outcome.rule == ""


@given(
    raw=st.lists(
        st.dictionaries(
            st.sampled_from(["key", "label", "scale_min", "scale_max", "weight"]),
            st.one_of(st.integers(-5, 2000), st.text(max_size=5), st.none()),
        ),
        max_size=4,
    )
)
@settings(max_examples=200, deadline=None)
def test_it_accepts_only_well_formed_criteria(raw):
    try:
        cleaned = clean_criteria(raw)
    except ValidationError as error:
        assert "criteria" in error.message_dict
        return
    assume(cleaned)
    for criterion in cleaned:
        assert 0 <= criterion["scale_min"] < criterion["scale_max"] <= 1000
        assert criterion["label"]


def test_it_ships_a_default_method_of_five_criteria_summed_with_threshold_12():
    from integrum.environment.services import DEFAULT_METHOD

    method = SignificanceMethod(**DEFAULT_METHOD)
    assert [c["key"] for c in method.criteria] == ["severity", "probability", "extent", "legal", "concern"]
    assert all((c["scale_min"], c["scale_max"]) == (1, 5) for c in method.criteria)
    at_threshold = {"severity": 3, "probability": 3, "extent": 2, "legal": 2, "concern": 2}
    below = {**at_threshold, "concern": 1}
    assert evaluate(method, at_threshold, condition="normal", has_obligation=False).significant
    assert not evaluate(method, below, condition="normal", has_obligation=False).significant
    assert evaluate(method, below, condition="normal", has_obligation=True).rule == "obligation"
    emergency = {**below, "severity": 4, "probability": 1}
    assert evaluate(method, emergency, condition="emergency", has_obligation=False).rule == "emergency"
    assert not evaluate(method, emergency, condition="abnormal", has_obligation=False).significant
