"""Controlled and uncontrolled copies: a revision's PDF with a stamp on every page.

The stamp is a one-page PDF drawn by WeasyPrint at each page's size and laid over the page with
pypdf, so the original content stays as it was (text still selectable and searchable).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

# A page smaller than this (points) is not a document page; its stamp would not fit anyway.
MIN_SIDE = 72


@dataclass(frozen=True)
class Stamp:
    """What the stamp says: a headline in the top margin, small print in the bottom one."""

    headline: str
    small_print: str


def controlled_stamp(
    *, reference: str, title: str, label: str, effective: datetime.date, who: str, at: datetime.datetime
) -> Stamp:
    return Stamp(
        headline=f"Controlled copy — revision {label}, effective {effective:%-d %b %Y}",
        small_print=f"{reference} {title} · downloaded by {who} on {_when(at)}",
    )


def uncontrolled_stamp(*, reference: str, title: str, label: str, who: str, at: datetime.datetime) -> Stamp:
    return Stamp(
        headline="Uncontrolled when printed",
        small_print=f"{reference} {title}, revision {label} · printed by {who} on {_when(at)}",
    )


def _when(at: datetime.datetime) -> str:
    local = timezone.localtime(at)
    return f"{local:%-d %b %Y %H:%M} {local.tzname() or ''}".strip()


STAMP_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: {width:.2f}pt {height:.2f}pt; margin: 0 }}
html, body {{ margin: 0; padding: 0; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif }}
.headline {{ position: absolute; top: 6pt; left: 0; right: 0; text-align: center }}
.headline span {{ display: inline-block; padding: 2pt 7pt; border: 1pt solid #b42318; color: #b42318;
  background: rgba(255, 255, 255, .85); font-size: {big:.1f}pt; font-weight: bold; border-radius: 2pt }}
.small {{ position: absolute; bottom: 4pt; left: 12pt; right: 12pt; text-align: center; color: #444;
  font-size: {small:.1f}pt }}
</style></head><body>
<div class="headline"><span>{headline}</span></div>
<div class="small">{small_print}</div>
</body></html>"""


def _stamp_page(stamp: Stamp, width: float, height: float) -> object:
    """The stamp drawn on a page of exactly `width` × `height` points, as a pypdf page."""
    from pypdf import PdfReader
    from weasyprint import HTML

    # Narrow pages (A5, receipts) get smaller type so the headline stays on one line.
    scale = min(1.0, width / 595)
    html = STAMP_HTML.format(
        width=width,
        height=height,
        big=max(5.0, 9 * scale),
        small=max(4.0, 6 * scale),
        headline=escape(stamp.headline),
        small_print=escape(stamp.small_print),
    )
    return PdfReader(io.BytesIO(HTML(string=html).write_pdf())).pages[0]


def stamp_pdf(data: bytes, stamp: Stamp) -> bytes:
    """`data` (a PDF) with `stamp` over every page; ValidationError if the PDF cannot be stamped."""
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                "The PDF is password-protected, so it cannot be stamped: download the original file."
            )
        writer = PdfWriter(clone_from=reader)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise ValidationError("The PDF could not be read to stamp it: download the original file.") from error
    stamps: dict[tuple[float, float], object] = {}
    for page in writer.pages:
        if page.rotation % 360:
            # Draw the page's rotation into its content, so the stamp comes out upright.
            page.transfer_rotation_to_content()
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        if width < MIN_SIDE or height < MIN_SIDE:
            continue
        size = (round(width, 1), round(height, 1))
        if size not in stamps:
            stamps[size] = _stamp_page(stamp, *size)
        # The stamp page is drawn at the page's own size; move it onto the visible box and fit
        # any rounding difference.
        transformation = Transformation().scale(width / size[0], height / size[1])
        transformation = transformation.translate(float(box.left), float(box.bottom))
        page.merge_transformed_page(stamps[size], transformation, over=True)  # type: ignore[arg-type]
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
