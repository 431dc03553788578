"""The PDF of an issued volunteer-hours certificate (志愿服务证明), printed from its frozen facts.

Everything printed comes from `Certificate.facts` (frozen and HMAC-protected at issue), so a reprint
is the same document. Labels are gettext strings rendered in Simplified Chinese whatever the
request's language; the font is the embedded Noto Sans SC of nuanxin.core.pdf. The QR code carries
the public verification URL.
"""

import io
from xml.sax.saxutils import escape

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nuanxin.core.pdf import register_cjk_font

LANGUAGE = "zh-hans"


def hours_text(minutes):
    return f"{minutes / 60:.1f}"


def _qr(url, size):
    output = io.BytesIO()
    segno.make(url, error="m", micro=False).save(output, kind="png", scale=8, border=4)
    output.seek(0)
    return Image(output, width=size, height=size)


def certificate_pdf(certificate, *, verify_url):
    """PDF bytes of an issued certificate."""
    facts = certificate.facts
    font = register_cjk_font()
    base = {"fontName": font, "wordWrap": "CJK"}
    title = ParagraphStyle("title", fontSize=20, leading=28, alignment=1, spaceAfter=6, **base)
    body = ParagraphStyle("body", fontSize=11, leading=17, **base)
    small = ParagraphStyle("small", fontSize=8.5, leading=12, textColor=colors.grey, **base)
    with translation.override(LANGUAGE):
        output = io.BytesIO()
        document = SimpleDocTemplate(
            output,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=15 * mm,
            title=_("Volunteer service certificate %(number)s") % {"number": certificate.number},
        )
        rows = [
            (_("Name"), facts["name"]),
            (_("ID type"), facts["id_type"]),
            (_("ID number"), facts["id_number_masked"] or "—"),
            (_("Volunteer number"), facts["volunteer_number"]),
            (_("Period"), f"{certificate.period_start:%Y-%m-%d} — {certificate.period_end:%Y-%m-%d}"),
            (_("Total service hours"), hours_text(facts["total_minutes"])),
        ]
        story = [
            Paragraph(escape(_("Volunteer service certificate")), title),
            Table(
                [
                    [Paragraph(escape(label), body), Paragraph(escape(str(value)), body)]
                    for label, value in rows
                ],
                colWidths=[40 * mm, 130 * mm],
                style=TableStyle(
                    [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
                ),
            ),
            Spacer(1, 5 * mm),
            Paragraph(escape(_("Service content")), body),
        ]
        service_rows = [[_("Date"), _("Activity"), _("Content"), _("Hours")]] + [
            [service["date"], service["title"], service["content"], hours_text(service["minutes"])]
            for service in facts["services"]
        ]
        story.append(
            Table(
                [[Paragraph(escape(str(cell)), body) for cell in row] for row in service_rows],
                colWidths=[28 * mm, 62 * mm, 60 * mm, 20 * mm],
                style=TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]),
            )
        )
        story += [
            Spacer(1, 6 * mm),
            Paragraph(
                escape(
                    _(
                        "This certifies the volunteer service above, recorded by the issuing organization "
                        "for its own activities. Issued free of charge."
                    )
                ),
                body,
            ),
            Spacer(1, 4 * mm),
            Paragraph(escape(_("Issuing organization: %(issuer)s") % {"issuer": facts["issuer"]}), body),
            Paragraph(escape(_("Handler: %(handler)s") % {"handler": facts["handler"]}), body),
            Paragraph(escape(_("Contact: %(contact)s") % {"contact": facts["contact"]}), body),
            Paragraph(escape(_("Certificate number: %(number)s") % {"number": certificate.number}), body),
            Paragraph(escape(_("Date of issue: %(date)s") % {"date": facts["issued_on"]}), body),
            Spacer(1, 4 * mm),
            _qr(verify_url, 32 * mm),
            Paragraph(escape(_("Scan to verify this certificate: %(url)s") % {"url": verify_url}), small),
        ]
        document.build(story)
    return output.getvalue()
