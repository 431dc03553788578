"""The printable A4 check-in poster of a shift (志愿服务签到码), one page per shift.

The organizer prints it and puts it up at the place. Its QR code carries the absolute address of
the shift's check-in page, /m/volunteer/shifts/<id>/check-in/?token=<signed token>: a courier opens
it with WeChat or the phone camera and taps 签到 on arrival, 签退 when leaving (`checkin.py` signs
the token; it expires two hours after the shift ends).

Like the certificate, the poster is printed in Simplified Chinese whatever the staff member's
language (it hangs in a Chinese street), in the embedded CJK font of `nuanxin.core.pdf`. The QR
code (segno, error correction M) is drawn as vector squares, so it prints sharp at any size.
"""

import io
from xml.sax.saxutils import escape

import segno
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer

from nuanxin.core.pdf import register_cjk_font

from .certificate_pdf import LANGUAGE
from .checkin import GRACE
from .services import CHECK_IN_EARLY

QR_SIDE = 120 * mm


class QrCode(Flowable):
    """A QR code as vector squares, centred in the frame."""

    def __init__(self, text, side):
        super().__init__()
        self.matrix = [list(row) for row in segno.make(text, error="m", micro=False).matrix_iter(border=4)]
        self.side = side

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, self.side

    def draw(self):
        cell = self.side / len(self.matrix)
        left = (self.width - self.side) / 2
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(self.matrix):
            for column_index, dark in enumerate(row):
                if dark:
                    y = self.side - (row_index + 1) * cell
                    canvas.rect(left + column_index * cell, y, cell, cell, stroke=0, fill=1)


def shift_time_text(shift):
    """ "2025-06-01 14:00–16:00" in Asia/Shanghai (the end date is repeated when it differs)."""
    starts, ends = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    end_format = "%H:%M" if starts.date() == ends.date() else "%Y-%m-%d %H:%M"
    return f"{starts:%Y-%m-%d %H:%M}–{ends.strftime(end_format)}"


def _page(shift, url, styles):
    activity = shift.activity
    team = activity.team
    valid_until = timezone.localtime(shift.ends_at + GRACE)
    organizer = team.name + (f" · {team.handler_name}" if team.handler_name else "")
    organizer += f" {team.contact_phone}" if team.contact_phone else ""
    return [
        Paragraph(escape(_("Volunteer check-in")), styles["kicker"]),
        Paragraph(escape(activity.title), styles["title"]),
        Paragraph(escape(_("Time: %(time)s") % {"time": shift_time_text(shift)}), styles["fact"]),
        Paragraph(escape(_("Place: %(place)s") % {"place": shift.place_name}), styles["fact"]),
        Paragraph(escape(_("Organizer: %(organizer)s") % {"organizer": organizer}), styles["fact"]),
        Spacer(1, 6 * mm),
        QrCode(url, QR_SIDE),
        Spacer(1, 6 * mm),
        Paragraph(
            escape(
                _(
                    "Scan with WeChat or the phone camera: tap “Check in” when you arrive and "
                    "“Check out” when you leave."
                )
            ),
            styles["how"],
        ),
        Paragraph(
            escape(
                _("Check-in opens %(minutes)d minutes before the start. This code is valid until %(date)s.")
                % {
                    "minutes": int(CHECK_IN_EARLY.total_seconds() // 60),
                    "date": f"{valid_until:%Y-%m-%d %H:%M}",
                }
            ),
            styles["small"],
        ),
    ]


def shift_posters_pdf(shifts_and_urls):
    """PDF bytes: one A4 poster per (shift, absolute check-in URL) pair, in the given order."""
    font = register_cjk_font()
    base = {"fontName": font, "wordWrap": "CJK", "alignment": 1}
    styles = {
        "kicker": ParagraphStyle("kicker", fontSize=16, leading=22, textColor=colors.grey, **base),
        "title": ParagraphStyle("title", fontSize=28, leading=38, spaceBefore=4, spaceAfter=10, **base),
        "fact": ParagraphStyle("fact", fontSize=15, leading=23, **base),
        "how": ParagraphStyle("how", fontSize=14, leading=21, spaceAfter=4, **base),
        "small": ParagraphStyle("small", fontSize=11, leading=16, textColor=colors.grey, **base),
    }
    output = io.BytesIO()
    with translation.override(LANGUAGE):
        document = SimpleDocTemplate(
            output,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=12 * mm,
            title=_("Volunteer check-in poster"),
        )
        story = []
        for index, (shift, url) in enumerate(shifts_and_urls):
            if index:
                story.append(PageBreak())
            story += _page(shift, url, styles)
        document.build(story)
    return output.getvalue()
