"""Factories for the station management tests: stations, managed-list rows and test images.

Stations are built with the ORM and `refresh_derived` (fast, no audit rows), so a test's audit
assertions count only what the code under test wrote.
"""

import io
import itertools

import factory
from PIL import Image

from nuanxin.stations.derived import refresh_derived
from nuanxin.stations.models import (
    Amenity,
    DemonstrationBatch,
    OpeningPeriod,
    PublicHoliday,
    ResourceItem,
    ServiceContact,
    Station,
    StationContact,
)

_numbers = itertools.count(1)

# A point in 劝业场街道, 和平区, 天津 (WGS-84).
LATITUDE, LONGITUDE = 39.1189, 117.1939


class DemonstrationBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemonstrationBatch

    name = factory.Sequence(lambda n: f"第{n}批社工站示范点")


class PublicHolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicHoliday
        django_get_or_create = ("date",)

    name = "国庆节"


class ServiceContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceContact

    kind = ServiceContact.Kind.POLICE
    name = factory.Sequence(lambda n: f"劝业场派出所{n}")
    phone = "022-27111111"
    address = "和平区滨江道1号"


class ResourceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceItem

    name = factory.Sequence(lambda n: f"免费体检{n}")
    category = "健康"
    provider = "和平区总工会"


def make_station(area, *, amenities=(), periods=((0, "08:00", "20:00"),), contacts=(), **fields):
    """A station in `area`, stored directly (no audit row). `periods`: (weekday, "HH:MM", "HH:MM")."""
    number = next(_numbers)
    if fields.get("status") == Station.Status.DEMONSTRATION and "demonstration_batch" not in fields:
        fields["demonstration_batch"] = DemonstrationBatchFactory()
    defaults = {
        "name": f"暖心驿站{number}号",
        "host_type": Station.HostType.SOCIAL_WORK_STATION,
        "host_organization": f"{area.name}社工站",
        "address": f"测试路{number}号",
        "latitude": LATITUDE,
        "longitude": LONGITUDE,
        "status": Station.Status.ACTIVE,
    }
    station = Station.objects.create(area=area, **{**defaults, **fields})
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(station=station, weekday=weekday, opens_at=opens, closes_at=closes)
        for weekday, opens, closes in periods
    )
    StationContact.objects.bulk_create(
        StationContact(station=station, title=title, name=name, phone=phone, sort_order=index)
        for index, (title, name, phone) in enumerate(contacts)
    )
    if amenities:
        station.amenities.set(Amenity.objects.filter(code__in=amenities))
    refresh_derived(station)
    return station


def station_data(area, **overrides):
    """A valid create payload (API and service) for a station in `area`."""
    data = {
        "name": "劝业场街道暖心驿站",
        "host_type": "social_work_station",
        "host_organization": "劝业场街道社工站",
        "area_code": area.code,
        "address": "和平区滨江道100号",
        "latitude": LATITUDE,
        "longitude": LONGITUDE,
        "amenity_codes": ["rest", "charging"],
        "opening_periods": [
            {"weekday": 0, "opens_at": "08:00", "closes_at": "20:00"},
            {"weekday": 4, "opens_at": "22:00", "closes_at": "06:00"},
        ],
        "contacts": [{"title": "服务管家", "name": "王芳", "phone": "13800000000"}],
    }
    data.update(overrides)
    return data


# --- images -------------------------------------------------------------------------------------

GPS_LATITUDE = (39.0, 7.0, 8.34)


def image_bytes(width=800, height=600, *, image_format="JPEG", with_exif=True, orientation=None, mode="RGB"):
    """An image file as bytes. `with_exif` adds camera make/model and a GPS position (what a phone
    writes); `orientation` sets the EXIF orientation tag (6 = rotate 90° clockwise to view)."""
    image = Image.new(mode, (width, height), "red" if mode in ("RGB", "RGBA") else 1)
    output = io.BytesIO()
    options = {}
    if with_exif and image_format in ("JPEG", "PNG", "WEBP"):
        exif = Image.Exif()
        exif[0x010F] = "NuanxinTestCam"  # Make
        exif[0x0110] = "Model X"  # Model
        if orientation:
            exif[0x0112] = orientation
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = GPS_LATITUDE
        gps[3] = "E"
        gps[4] = (117.0, 11.0, 38.0)
        options["exif"] = exif.tobytes()
    image.save(output, format=image_format, **options)
    return output.getvalue()


# --- media ----------------------------------------------------------------------------------------


def use_temporary_media(settings, tmp_path):
    """Point MEDIA_ROOT at a fresh temporary directory (each test module's autouse `media_root`
    fixture calls this with pytest-django's `settings` fixture) and return it."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root):
    """Every file under the media root (relative paths), to check nothing was left behind."""
    return (
        sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
        if root.exists()
        else []
    )
