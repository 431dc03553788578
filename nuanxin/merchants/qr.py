"""A meal code's QR as inline SVG (segno, no image files)."""

import segno


def qr_svg(text, *, scale=6):
    """An <svg> element (no XML declaration) encoding `text`, for embedding in a page."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=scale, border=2)
