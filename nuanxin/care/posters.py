"""The printable A4 check-in poster of a station: its name, a large QR code and how to use it.

The QR code (segno, error correction M) is drawn as vector squares, so it prints sharp at any
size. Chinese text is set in the embedded CJK font of `nuanxin.core.pdf` (only the glyphs used are
embedded), so it prints the same wherever the file is opened.
"""

import io

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from nuanxin.core.pdf import register_cjk_font


def _font():
    return register_cjk_font()


def poster_pdf(*, poster, url):
    """The poster as PDF bytes; `url` is the absolute check-in address the QR code carries."""
    font = _font()
    buffer = io.BytesIO()
    width, height = A4
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{poster.station.name} {_('check-in poster')}")
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 40 * mm, poster.station.name)
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 55 * mm, _("Scan to check in"))
    qr = segno.make(url, error="m")
    matrix = list(qr.matrix_iter(scale=1, border=4))
    side = 140 * mm
    cell = side / len(matrix)
    left = (width - side) / 2
    top = height - 65 * mm
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for column_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    left + column_index * cell, top - (row_index + 1) * cell, cell, cell, stroke=0, fill=1
                )
    pdf.setFont(font, 13)
    lines = [
        _("Open the camera or WeChat and scan the code, then tap “Check in”."),
        poster.station.address,
        _("Poster %(label)s · valid until %(date)s")
        % {
            "label": poster.label or poster.public_id.hex[:8],
            "date": timezone.localtime(poster.expires_at).strftime("%Y-%m-%d"),
        },
    ]
    y = top - side - 15 * mm
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
