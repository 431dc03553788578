"""PDF helpers shared by every printable document (service cards, manuals, posters).

Chinese text is set in Noto Sans SC, a TrueType font committed in `core/fonts/` with its licence
(docs/cards.md says why this one). reportlab embeds the subset of glyphs a document uses, so the
PDF reads the same on any phone or printer, with no font installed there.
"""

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT_NAME = "NotoSansSC"
CJK_FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.ttf"


def register_cjk_font():
    """Register the CJK font with reportlab once per process; returns its name."""
    if CJK_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(CJK_FONT_PATH)))
    return CJK_FONT_NAME
