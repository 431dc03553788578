"""A redeem code's QR as inline SVG (segno), the same rendering as the meal codes."""

from nuanxin.merchants.qr import qr_svg

__all__ = ["qr_svg"]
