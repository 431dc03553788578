"""PDF rendering of service cards and service manuals (N4), with reportlab.

The Chinese text is set in Noto Sans SC (SIL Open Font License 1.1), a TrueType font committed in
nuanxin/cards/fonts/ with its licence (see docs/cards.md for where it comes from). reportlab
embeds the subset of glyphs a document uses, so a PDF opens the same on any phone or printer.
The labels are gettext strings rendered in Simplified Chinese whatever the request's language
(the card is printed for couriers in China); the data (names, phones, addresses) is shown as is.
"""

import io
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

from nuanxin.core.pdf import CJK_FONT_NAME, register_cjk_font

from .contents import card_contents, manual_contents, meal_points

FONT_NAME = CJK_FONT_NAME
CARD_LANGUAGE = "zh-hans"


def register_font():
    """Register the CJK font with reportlab once per process."""
    return register_cjk_font()


def qr_png(url, *, scale=8):
    """The QR code of `url` as PNG bytes (error correction M, a quiet zone of 4 modules)."""
    output = io.BytesIO()
    segno.make(url, error="m", micro=False).save(output, kind="png", scale=scale, border=4)
    return output.getvalue()


def _styles():
    font = register_font()
    base = {"fontName": font, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", fontSize=15, leading=20, spaceAfter=2, **base),
        "subtitle": ParagraphStyle("subtitle", fontSize=9, leading=12, textColor=colors.grey, **base),
        "heading": ParagraphStyle(
            "heading", fontSize=11, leading=15, spaceBefore=5, textColor=colors.HexColor("#c0392b"), **base
        ),
        "body": ParagraphStyle("body", fontSize=9, leading=12.5, **base),
        "small": ParagraphStyle("small", fontSize=7.5, leading=10, textColor=colors.grey, **base),
    }


def _line_text(line):
    parts = [escape(line.name)]
    if line.phone:
        parts.append(escape(line.phone))
    text = "  ".join(parts)
    if line.address:
        text += f"<br/><font size=7.5 color='grey'>{escape(line.address)}</font>"
    return text


def _qr_flowable(url, size):
    return Image(io.BytesIO(qr_png(url)), width=size, height=size)


def service_card_pdf(*, area, mobile_url):
    """The printable service card (A6) of a street or community, as PDF bytes."""
    with translation.override(CARD_LANGUAGE):
        contents = card_contents(area)
        styles = _styles()
        output = io.BytesIO()
        document = SimpleDocTemplate(
            output,
            pagesize=A6,
            leftMargin=8 * mm,
            rightMargin=8 * mm,
            topMargin=7 * mm,
            bottomMargin=6 * mm,
            title=_("Service card of %(area)s") % {"area": area.full_name},
            author=settings.NUANXIN_SITE_NAME,
        )
        story = [
            Paragraph(
                escape(_("%(site)s service card") % {"site": settings.NUANXIN_SITE_NAME}), styles["title"]
            ),
            Paragraph(escape(area.full_name), styles["subtitle"]),
        ]
        sections = [
            (_("Service hotline"), contents.hotline),
            (_("Service steward"), contents.stewards),
            (_("Police station"), contents.police),
            (_("Community contacts"), contents.communities),
            (_("Nearest party-mass service center"), contents.party_mass_centers),
            (_("Other contacts"), contents.others),
        ]
        for heading, lines in sections:
            if not lines:
                continue
            story.append(Paragraph(escape(heading), styles["heading"]))
            story.extend(Paragraph(_line_text(line), styles["body"]) for line in lines)
        story += [
            Spacer(1, 3 * mm),
            _qr_flowable(mobile_url, 30 * mm),
            Paragraph(escape(_("Scan for stations, services and help on your phone")), styles["small"]),
        ]
        document.build(story)
    return output.getvalue()


def service_manual_pdf(*, area, mobile_url):
    """The service manual (A4) of a street: its stations with their hours, amenities, contacts and
    services, the discounted-meal points, and the QR code of the mobile site. PDF bytes."""
    from nuanxin.stations.models import OpeningPeriod

    with translation.override(CARD_LANGUAGE):
        stations = manual_contents(area)
        meals = meal_points(area)
        styles = _styles()
        output = io.BytesIO()
        document = SimpleDocTemplate(
            output,
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=_("Service manual of %(area)s") % {"area": area.full_name},
            author=settings.NUANXIN_SITE_NAME,
        )
        weekday_names = dict(OpeningPeriod.Weekday.choices)
        story = [
            Paragraph(
                escape(_("%(area)s courier service manual") % {"area": area.full_name}), styles["title"]
            ),
            Paragraph(
                escape(_("Printed on %(date)s") % {"date": f"{timezone.localdate():%Y-%m-%d}"}),
                styles["subtitle"],
            ),
            Spacer(1, 3 * mm),
            _qr_flowable(mobile_url, 32 * mm),
            Paragraph(escape(_("Scan for stations, services and help on your phone")), styles["small"]),
            Paragraph(escape(_("Stations")), styles["heading"]),
        ]
        if not stations:
            story.append(Paragraph(escape(_("No station yet.")), styles["body"]))
        for entry in stations:
            station = entry.station
            story.append(Paragraph(f"<b>{escape(station.name)}</b>", styles["heading"]))
            story.append(
                Paragraph(escape(_("Address: %(address)s") % {"address": station.address}), styles["body"])
            )
            if station.phone:
                story.append(
                    Paragraph(escape(_("Phone: %(phone)s") % {"phone": station.phone}), styles["body"])
                )
            if entry.periods:
                hours = "; ".join(
                    f"{weekday_names[period.weekday]} {period.opens_at:%H:%M}–{period.closes_at:%H:%M}"
                    for period in entry.periods
                )
                story.append(
                    Paragraph(escape(_("Opening hours: %(hours)s") % {"hours": hours}), styles["body"])
                )
            if entry.amenities:
                story.append(
                    Paragraph(
                        escape(_("Amenities: %(list)s") % {"list": "、".join(entry.amenities)}),
                        styles["body"],
                    )
                )
            for contact in entry.contacts:
                story.append(
                    Paragraph(escape(f"{contact.title} {contact.name} {contact.phone}"), styles["body"])
                )
            for item in entry.services:
                text = f"{item.get_kind_display()} · {item.name}"
                if item.schedule:
                    text += f" ({item.schedule})"
                story.append(Paragraph(escape(_("Service: %(service)s") % {"service": text}), styles["body"]))
        story.append(Paragraph(escape(_("Discounted-meal points")), styles["heading"]))
        if meals:
            story.extend(Paragraph(_line_text(line), styles["body"]) for line in meals)
        else:
            story.append(Paragraph(escape(_("No discounted-meal point yet.")), styles["body"]))
        document.build(story)
    return output.getvalue()
