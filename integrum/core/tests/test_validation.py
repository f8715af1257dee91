"""The checks every service makes on what it is given."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrum.core.validation import check_known_fields


def test_a_keyword_the_service_does_not_take_is_named():
    check_known_fields({"title": "x"}, {"title", "owner"}, "a risk")
    with pytest.raises(ValidationError, match=r"^\['Unknown fields of a risk: colour, titel\.'\]$"):
        check_known_fields({"titel": "x", "colour": "red", "owner": None}, {"title", "owner"}, "a risk")
