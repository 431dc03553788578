"""Fixtures of the reports tests: mapped streets, couriers, a department and an API helper."""

import io
import json

import pytest
from PIL import Image

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier

from . import factories


@pytest.fixture
def mapped(areas):
    factories.draw_streets(areas)
    return areas


@pytest.fixture
def couriers(mapped):
    return {
        "me": make_courier(area=mapped["street"], name="张三"),
        "neighbour": make_courier(area=mapped["street"], name="李四"),
    }


@pytest.fixture
def api(client):
    """`api("post", path, body=dict, headers=...)` → (status, json). `form=` sends multipart."""

    def call(method, path, body=None, headers=None, form=None, **extra):
        kwargs = dict(headers or {}, **extra)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        if form is not None:
            kwargs.update(data=form)
        response = getattr(client, method)(path, **kwargs)
        data = json.loads(response.content) if response.content else None
        return response.status_code, data

    return call


@pytest.fixture
def as_courier():
    return lambda profile: bearer(profile.user)


def jpeg_with_gps(name="photo.jpg", size=(2400, 1800)):
    """A JPEG carrying EXIF with a camera model and a GPS position, as a phone writes it."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (39.0, 7.0, 12.0)
    gps[3] = "E"
    gps[4] = (117.0, 11.0, 30.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    buffer.seek(0)
    buffer.name = name
    return buffer


@pytest.fixture
def photo():
    return jpeg_with_gps
