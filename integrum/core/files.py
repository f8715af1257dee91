"""Checks on uploaded files: by content, size and name, never by the name's extension alone."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

# Accepted kinds: extension -> MIME type reported by content sniffing.
ACCEPTED = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain",
    "csv": "text/csv",
}
TEXT_KINDS = {"txt", "csv"}
ZIP_KINDS = {"docx", "xlsx", "pptx", "odt"}
# A zip-based office file that unpacks to more than this, or at a ratio beyond it, is refused.
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100


@dataclass(frozen=True)
class CheckedFile:
    name: str
    mime_type: str
    size: int
    sha256: str


def clean_filename(raw: str) -> str:
    """The file's own name only: no folders, no control characters, no leading dots."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if not name:
        raise ValidationError("The file has no usable name.")
    return name[:200]


def _sniff(head: bytes, extension: str) -> str | None:
    if extension in TEXT_KINDS:
        if b"\x00" in head:
            return None
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is fine.
            if error.start < len(head) - 4:
                return None
        return ACCEPTED[extension]
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime == "application/zip" and extension in ZIP_KINDS:
        return None  # a plain zip renamed to an office extension
    return str(kind.mime)


def _check_zip(upload: UploadedFile) -> None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
    except zipfile.BadZipFile as error:
        raise ValidationError("The file is damaged: it could not be opened.") from error
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
        raise ValidationError("The file unpacks to far more than its size and was refused as unsafe.")


def check_upload(upload: UploadedFile, *, max_bytes: int | None = None) -> CheckedFile:
    """Validate an upload; raise ValidationError with a message a user can act on."""
    limit = max_bytes if max_bytes is not None else settings.INTEGRUM_UPLOAD_MAX_BYTES
    name = clean_filename(upload.name or "")
    if upload.size is None or upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ACCEPTED:
        raise ValidationError(
            "This kind of file is not accepted. Accepted: "
            + ", ".join(sorted({*ACCEPTED} - {"jpeg"})).upper()
            + "."
        )
    upload.seek(0)
    head = upload.read(8192)
    detected = _sniff(head, extension)
    if detected != ACCEPTED[extension]:
        raise ValidationError(
            f"The file's content is not a {extension.upper()} file, whatever its name says."
        )
    if extension in ZIP_KINDS:
        _check_zip(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, mime_type=detected, size=upload.size, sha256=digest.hexdigest())


def in_memory(data: bytes, name: str) -> UploadedFile:
    """Wrap bytes as an upload, for commands and tests that attach files."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
