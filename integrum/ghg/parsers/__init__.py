"""Readers of the official emission-factor workbooks, one module per format.

`detect_and_parse` recognises the format from the workbook's content (sheet names, header rows,
title cells), never from the file's name, and returns the edition with its factors.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from types import ModuleType
from typing import Any

from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from integrum.core.files import MAX_COMPRESSION_RATIO, MAX_UNPACKED_BYTES
from integrum.ghg.parsers import desnz_flat, desnz_full, epa_hub
from integrum.ghg.parsers.base import ParsedDataset, ParsedFactor, refuse

__all__ = ["FORMATS", "ParsedDataset", "ParsedFactor", "detect_and_parse"]

FORMATS: list[ModuleType] = [desnz_flat, desnz_full, epa_hub]
KNOWN = (
    "the UK Government (DESNZ) conversion factors as a flat file or full set, or the US EPA "
    "GHG Emission Factors Hub"
)
ZIP_MAGIC = b"PK\x03\x04"


def check_archive(name: str, data: bytes) -> None:
    """Refuse a workbook that would unpack to far more than its size (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise refuse(f"{name} is damaged: it could not be opened as an Excel workbook.") from error
    if unpacked > MAX_UNPACKED_BYTES or unpacked / len(data) > MAX_COMPRESSION_RATIO:
        raise refuse(f"{name} unpacks to far more than its size and was refused as unsafe.")


def detect_and_parse(name: str, data: bytes) -> ParsedDataset:
    """The dataset in `data`, whatever the file is called; ValidationError if it is not one."""
    if not data:
        raise refuse(f"{name} is empty.")
    if not data.startswith(ZIP_MAGIC):
        raise refuse(f"{name} is not an Excel workbook (.xlsx). Import the publisher's workbook: {KNOWN}.")
    check_archive(name, data)
    with warnings.catch_warnings():
        # Publishers' workbooks carry headers and extensions openpyxl does not read; harmless.
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
            raise refuse(f"{name} is damaged: it could not be opened as an Excel workbook.") from error
        try:
            return parse_workbook(name, workbook)
        finally:
            workbook.close()


def parse_workbook(name: str, workbook: Any) -> ParsedDataset:
    for reader in FORMATS:
        if not reader.matches(workbook):
            continue
        try:
            parsed: ParsedDataset = reader.parse(workbook)
        except ValidationError:
            raise
        except (IndexError, KeyError, ValueError, TypeError, StopIteration, AttributeError) as error:
            raise refuse(
                f"{name} looks like {reader.LABEL}, but its layout is not the one published."
            ) from error
        return parsed
    raise refuse(f"{name} is not an emission-factor workbook we know. Import {KNOWN}.")
