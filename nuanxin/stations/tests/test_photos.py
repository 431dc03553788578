"""Station photos through the API: validated as images, turned upright, resized, EXIF (and GPS)
stripped, stored under a temporary media root; bad files are field errors and leave nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from nuanxin.core import images
from nuanxin.core.errors import ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.stations.models import StationPhoto

from .factories import image_bytes, make_station, stored_files, use_temporary_media

API = "/api/v1/manage"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    return use_temporary_media(settings, tmp_path)


@pytest.fixture
def station(areas, users):
    return make_station(areas["street"], steward=users["steward"])


def upload(client, station, content, headers, *, name="photo.jpg", language=None, **form):
    file = io.BytesIO(content)
    file.name = name
    if language:
        headers = {**headers, "HTTP_ACCEPT_LANGUAGE": language}
    return client.post(f"{API}/stations/{station.public_id}/photos", {"image": file, **form}, **headers)


def field_errors(response):
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_uploaded_photo_is_resized_upright_and_has_no_exif(client, station, auth, media_root):
    # given a phone photo, 4000×3000, taken rotated (orientation 6) with a GPS position in EXIF
    original = image_bytes(4000, 3000, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test image does carry GPS

    # when street staff upload it
    response = upload(client, station, original, auth("street_staff"), caption="门口")

    # then the stored file is an upright JPEG of at most 1600 px with no EXIF at all
    assert response.status_code == 201, response.content
    body = response.json()
    photo = StationPhoto.objects.get(public_id=body["id"])
    stored = Image.open(media_root / photo.image.name)
    assert stored.format == "JPEG"
    assert stored.size == (1200, 1600)  # rotated to portrait, longer side 1600
    assert (body["width"], body["height"]) == (1200, 1600)
    assert len(stored.getexif()) == 0
    assert "exif" not in stored.info
    assert b"NuanxinTestCam" not in (media_root / photo.image.name).read_bytes()
    assert body["caption"] == "门口"
    assert body["url"].startswith("/media/stations/")
    # and the station's audit row lists the photo
    entry = AuditEntry.objects.get(message="photo added")
    assert entry.changes["photos"] == [[], [photo.image.name]]


def test_small_png_with_transparency_is_kept_small_and_flattened(client, station, auth, media_root):
    content = image_bytes(300, 200, image_format="PNG", mode="RGBA")

    response = upload(client, station, content, auth("street_staff"), name="sign.png")

    assert response.status_code == 201
    photo = StationPhoto.objects.get()
    stored = Image.open(media_root / photo.image.name)
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (300, 200))
    assert len(stored.getexif()) == 0


def test_steward_uploads_photos_of_their_station(client, station, auth):
    response = upload(client, station, image_bytes(), auth("steward"))

    assert response.status_code == 201
    assert station.photos.count() == 1


def test_photos_are_ordered_after_the_last_and_can_be_reordered_and_captioned(client, station, auth):
    headers = auth("street_staff")
    first = upload(client, station, image_bytes(), headers).json()
    second = upload(client, station, image_bytes(), headers).json()

    response = client.patch(
        f"{API}/stations/{station.public_id}/photos/{second['id']}",
        {"caption": "休息区", "sort_order": 0},
        content_type="application/json",
        **headers,
    )
    client.patch(
        f"{API}/stations/{station.public_id}/photos/{first['id']}",
        {"sort_order": 5},
        content_type="application/json",
        **headers,
    )

    assert (first["sort_order"], second["sort_order"]) == (0, 1)
    assert response.status_code == 200
    detail = client.get(f"{API}/stations/{station.public_id}", **headers).json()
    assert [photo["id"] for photo in detail["photos"]] == [second["id"], first["id"]]
    assert detail["photos"][0]["caption"] == "休息区"


def test_removing_a_photo_deletes_its_file_after_commit(
    client,
    station,
    auth,
    media_root,
    django_capture_on_commit_callbacks,
):
    headers = auth("street_staff")
    photo_id = upload(client, station, image_bytes(), headers).json()["id"]
    name = StationPhoto.objects.get(public_id=photo_id).image.name
    assert (media_root / name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{API}/stations/{station.public_id}/photos/{photo_id}", **headers)

    assert response.status_code == 204
    assert not StationPhoto.objects.exists()
    assert not (media_root / name).exists()
    assert AuditEntry.objects.filter(message="photo removed").count() == 1


def test_photo_of_another_station_is_not_found(client, station, areas, auth):
    other = make_station(areas["street"])
    headers = auth("street_staff")
    photo_id = upload(client, other, image_bytes(), headers).json()["id"]

    response = client.delete(f"{API}/stations/{station.public_id}/photos/{photo_id}", **headers)

    assert response.status_code == 404
    assert StationPhoto.objects.filter(public_id=photo_id).exists()


# --- bad files ------------------------------------------------------------------------------------


def test_a_file_that_is_not_an_image_is_a_field_error(client, station, auth, media_root):
    response = upload(client, station, b"%PDF-1.4 not a photo", auth("street_staff"), name="x.jpg")

    assert response.status_code == 422
    with translation.override("zh-hans"):
        assert field_errors(response) == {"image": str(images.NOT_AN_IMAGE)}
    assert not StationPhoto.objects.exists()
    assert stored_files(media_root) == []


def test_a_truncated_jpeg_is_a_field_error(client, station, auth, media_root):
    content = image_bytes(800, 600)[:2000]

    response = upload(client, station, content, auth("street_staff"), language="en")

    assert response.status_code == 422
    assert field_errors(response) == {"image": "The file is not an image (JPEG, PNG, WebP or GIF)."}
    assert stored_files(media_root) == []


def test_a_30_mb_photo_is_a_field_error_and_nothing_is_saved(client, station, auth, media_root, settings):
    # given a JPEG padded to 30 MB (well over the 10 MB limit, under the request body limit)
    content = image_bytes(200, 200) + b"\0" * (30 * 1024 * 1024)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= settings.NUANXIN_MAX_UPLOAD_BYTES

    # when it is uploaded, in Chinese (default) and in English
    chinese = upload(client, station, content, auth("street_staff"))
    english = upload(client, station, content, auth("street_staff"), language="en")

    # then both answer 422 naming the field, and nothing is stored
    assert chinese.status_code == 422
    assert english.status_code == 422
    assert field_errors(english) == {"image": "The file is too large: at most 10 MB."}
    with translation.override("zh-hans"):
        assert field_errors(chinese) == {"image": str(images.FILE_TOO_LARGE) % {"limit": "10"}}
    assert not StationPhoto.objects.exists()
    assert not AuditEntry.objects.exists()
    assert stored_files(media_root) == []


def test_an_image_with_too_many_pixels_is_refused_before_decoding(client, station, auth, media_root):
    # a 1-bit 9000×6000 PNG: 54 megapixels in a few kilobytes
    image = Image.new("1", (9000, 6000))
    output = io.BytesIO()
    image.save(output, format="PNG")
    assert len(output.getvalue()) < 1024 * 1024

    response = upload(
        client, station, output.getvalue(), auth("street_staff"), name="bomb.png", language="en"
    )

    assert response.status_code == 422
    assert field_errors(response) == {"image": "The image has too many pixels: at most 50 megapixels."}
    assert stored_files(media_root) == []


def test_an_empty_file_and_a_missing_file_are_field_errors(client, station, auth):
    empty = upload(client, station, b"", auth("street_staff"), language="en")
    missing = client.post(
        f"{API}/stations/{station.public_id}/photos", {"caption": "x"}, **auth("street_staff")
    )

    assert empty.status_code == 422
    assert "image" in field_errors(empty)
    assert missing.status_code == 422
    assert "image" in field_errors(missing)


def test_a_too_long_caption_is_a_field_error_and_the_file_is_not_stored(client, station, auth, media_root):
    response = upload(client, station, image_bytes(), auth("street_staff"), caption="长" * 101)

    assert response.status_code == 422
    assert "caption" in field_errors(response)
    assert stored_files(media_root) == []


def test_other_streets_staff_cannot_upload(client, station, auth, media_root):
    response = upload(client, station, image_bytes(), auth("other_street_staff"))

    assert response.status_code == 404
    assert not StationPhoto.objects.exists()
    assert stored_files(media_root) == []


# --- the image pipeline on its own ----------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF", "BMP"])
def test_process_image_accepts_common_formats_and_drops_metadata(image_format, settings):
    content = image_bytes(2400, 1200, image_format=image_format)

    result = images.process_image(SimpleUploadedFile(f"x.{image_format.lower()}", content))

    stored = Image.open(io.BytesIO(result.read()))
    assert stored.format == "JPEG"
    assert stored.size == (1600, 800)
    assert len(stored.getexif()) == 0
    assert result.name.endswith(".jpg")


def test_process_image_refuses_a_tiff(settings):
    output = io.BytesIO()
    Image.new("RGB", (10, 10)).save(output, format="TIFF")

    with pytest.raises(ValidationFailed) as raised:
        images.process_image(SimpleUploadedFile("x.tif", output.getvalue()), field="photo")

    assert list(raised.value.errors) == ["photo"]
