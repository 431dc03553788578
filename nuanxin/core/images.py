"""Uploaded photos: validated as images, turned upright, stripped of EXIF, resized, re-encoded.

A phone photo carries its GPS position and camera details in EXIF; none of that may reach the
public site, so every stored photo is a fresh JPEG built from pixels only.
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed

MAX_DIMENSION = 1600
# A photo with more pixels than this is refused before its pixels are decoded (about 48 MP,
# more than any phone camera, far less than a decompression bomb would unpack to).
MAX_PIXELS = 50_000_000
ALLOWED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP"}
JPEG_QUALITY = 85

FILE_EMPTY = _("The file is empty.")
FILE_TOO_LARGE = _("The file is too large: at most %(limit)s MB.")
NOT_AN_IMAGE = _("The file is not an image (JPEG, PNG, WebP or GIF).")
IMAGE_TOO_MANY_PIXELS = _("The image has too many pixels: at most %(limit)s megapixels.")


def _size_of(upload):
    size = getattr(upload, "size", None)
    if size is None:
        position = upload.tell()
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(position)
    return size


def check_upload_size(upload, *, field="image"):
    """Refuse an empty upload or one over settings.NUANXIN_MAX_UPLOAD_BYTES, without reading it."""
    size = _size_of(upload)
    limit = settings.NUANXIN_MAX_UPLOAD_BYTES
    if not size:
        raise ValidationFailed({field: [FILE_EMPTY]})
    if size > limit:
        megabytes = f"{limit / (1024 * 1024):g}"
        raise ValidationFailed({field: [str(FILE_TOO_LARGE) % {"limit": megabytes}]})


def _open(upload, field):
    """Open lazily (header only) and refuse unknown formats and oversized pixel counts."""
    upload.seek(0)
    too_many_pixels = ValidationFailed(
        {field: [str(IMAGE_TOO_MANY_PIXELS) % {"limit": MAX_PIXELS // 1_000_000}]}
    )
    try:
        image = Image.open(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationFailed({field: [NOT_AN_IMAGE]}) from None
    if image.format not in ALLOWED_FORMATS:
        raise ValidationFailed({field: [NOT_AN_IMAGE]})
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise too_many_pixels
    return image


def process_image(upload, *, field="image"):
    """Validate `upload` as an image and return a clean JPEG as a ContentFile named `<uuid>.jpg`.

    Steps: refuse an empty file or one over NUANXIN_MAX_UPLOAD_BYTES (before anything is decoded);
    read the header and refuse other formats and more than MAX_PIXELS pixels (decompression bombs);
    `verify()` the file, then decode it fully (`load()`); apply the EXIF orientation; drop every
    piece of metadata (EXIF, GPS, XMP, ICC, comments); flatten transparency onto white; shrink to at
    most MAX_DIMENSION px on the longer side; encode as JPEG.
    Raises ValidationFailed({field: [message]}).
    """
    check_upload_size(upload, field=field)
    # Pillow warns (and at twice its limit refuses) on huge images; treat its warning as a refusal.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _open(upload, field).verify()
            image = _open(upload, field)
            image.load()
            image = ImageOps.exif_transpose(image)
        except ValidationFailed:
            raise
        except (
            OSError,
            SyntaxError,
            ValueError,
            TypeError,
            IndexError,
            KeyError,
            EOFError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ):
            # Truncated or corrupt data, or a format detail Pillow cannot decode.
            raise ValidationFailed({field: [NOT_AN_IMAGE]}) from None
    clean = _flatten(image)
    clean.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    clean.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    upload.seek(0)
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _flatten(image):
    """An RGB copy carrying pixels only: transparency composited on white, no metadata."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    rgb = image.convert("RGB")
    # A new image from the raw pixels: nothing of the original's info dict or EXIF survives.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean
