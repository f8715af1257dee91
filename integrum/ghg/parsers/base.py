"""What every emission-factor parser returns, and the small helpers they share.

A parser reads one publisher's workbook and returns a `ParsedDataset`: the edition's metadata
and its factors, exactly as published (values are not converted). It raises
`django.core.exceptions.ValidationError` with a message a person can act on when the workbook
is not what it claims to be; it never touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

# EmissionFactor.value has ten decimal places; floats read from a workbook carry binary noise
# beyond that (0.13388999999999998 for a published 0.13389), which the rounding removes.
VALUE_PLACES = Decimal("1e-10")
MAX_KEY_LENGTH = 120
MAX_TEXT_LENGTH = 300

OGL_LICENCE = "Open Government Licence v3.0"
OGL_ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


@dataclass(frozen=True)
class ParsedFactor:
    external_id: str
    key: str
    scope: int
    category: str
    activity: str
    unit: str
    ghg: str
    value: Decimal
    value_unit: str


@dataclass
class ParsedDataset:
    format: str
    family: str
    publisher: str
    name: str
    edition: int
    version: str
    licence: str
    attribution: str
    source_url: str
    gwp_set: str
    gases_in_co2e: bool
    factors: list[ParsedFactor] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        suffix = f"-v{self.version}" if self.family == "desnz" else ""
        return f"{self.family}-{self.edition}{suffix}"


def text(value: Any) -> str:
    """A cell as clean text: no surrounding or doubled whitespace, no non-breaking spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value).replace("\xa0", " ")).strip()


def number(value: Any) -> Decimal | None:
    """A numeric cell as a Decimal rounded to the model's precision; None for empty or text cells."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return Decimal(repr(value)).quantize(VALUE_PLACES)
    except InvalidOperation:
        return None


SIGNS = {
    ">=": "from",
    "<=": "up to",
    "≤": "up to",
    "≥": "from",
    "<": "under",
    ">": "over",
    "+": "plus",
    "%": "pct",
    "&": "and",
}


def slug(value: str) -> str:
    """A key segment: lower case ASCII words joined by hyphens ("Natural Gas" → "natural-gas")."""
    for sign, word in SIGNS.items():
        value = value.replace(sign, f" {word} ")
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    # A dot stays only inside a number (3.5 tonnes); "tonne.km" and "i.e." become words.
    ascii_text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", ascii_text.lower())
    return re.sub(r"[^a-z0-9.]+", "-", ascii_text).strip("-")


def plain(value: Decimal) -> str:
    """A value as published, without the padding zeros or an exponent: 0.1829, 100, 0.0000046368."""
    return format(value.normalize(), "f")


def clip(value: str, limit: int = MAX_TEXT_LENGTH) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def refuse(message: str) -> ValidationError:
    return ValidationError(message, code="invalid")


# 100-year GWPs of CH₄ and N₂O by IPCC report, to name the set a workbook's own table uses.
GWP_SETS = {("28", "265"): "AR5", ("25", "298"): "AR4", ("27.9", "273"): "AR6", ("27", "273"): "AR6"}


def gwp_set_for(ch4: Decimal | None, n2o: Decimal | None, *, source: str) -> str:
    """The GWP set whose CH₄ and N₂O values the workbook states; refuse values we cannot name."""
    if ch4 is None or n2o is None:
        raise refuse(f"The workbook has no global warming potentials for CH4 and N2O ({source}).")
    found = GWP_SETS.get((plain(ch4), plain(n2o)))
    if found is None:
        raise refuse(
            f"The workbook's global warming potentials (CH4 {plain(ch4)}, N2O {plain(n2o)}) match no "
            "IPCC assessment report we know (AR4, AR5, AR6)."
        )
    return found


def scope_number(label: str) -> int | None:
    """ "Scope 1" → 1, "Outside of Scopes" → 0."""
    lowered = label.lower()
    if lowered.startswith("outside"):
        return 0
    match = re.fullmatch(r"scope\s*([123])", lowered)
    return int(match.group(1)) if match else None
