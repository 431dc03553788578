"""Fixtures shared by every app's tests: a small area tree and one account per role."""

import json

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import bearer, courier, staff
from nuanxin.areas.tests.factories import make_tree


@pytest.fixture
def areas(db):
    return make_tree()


@pytest.fixture
def users(areas):
    """One account per role; `other_street_staff` works in the sibling street."""
    return {
        "city_staff": staff(Role.CITY_STAFF, areas["city"], username="city"),
        "district_staff": staff(Role.DISTRICT_STAFF, areas["district"], username="district"),
        "street_staff": staff(Role.STREET_STAFF, areas["street"], username="street"),
        "other_street_staff": staff(Role.STREET_STAFF, areas["other_street"], username="other_street"),
        "other_district_staff": staff(
            Role.DISTRICT_STAFF, areas["other_district"], username="other_district"
        ),
        "steward": staff(Role.STEWARD, areas["street"], username="steward"),
        "courier": courier(username="courier"),
    }


@pytest.fixture
def auth(users):
    """`auth("street_staff")` → headers for the API as that user."""
    return lambda name: bearer(users[name])


# The rows data migrations create (the amenity list, the company list). A transactional test ends
# with a flush that empties every table, so the next transactional test would find them gone;
# Django's serialized rollback cannot put them back once another flush has re-created content
# types under new ids. Re-seeding them by the migrations' own functions is exact and cheap.
_SEED_MIGRATIONS = (
    ("nuanxin.stations.migrations.0002_default_amenities", "add_amenities", "stations.Amenity"),
    ("nuanxin.couriers.migrations.0002_default_companies", "add_companies", "couriers.Company"),
    ("nuanxin.reports.migrations.0002_default_categories", "add_categories", "reports.ReportCategory"),
)


@pytest.fixture
def reference_rows():
    """Put back the data-migration rows if a flush removed them (see _SEED_MIGRATIONS)."""
    import importlib

    from django.apps import apps

    for module, function, model in _SEED_MIGRATIONS:
        if not apps.get_model(model).objects.exists():
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _reference_rows_for_transactional_tests(request):
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        request.getfixturevalue("reference_rows")


@pytest.fixture
def api(client):
    """`api("post", "/api/v1/needs", body, headers)` → (status, decoded JSON or None)."""

    def call(method, path, body=None, headers=None, **extra):
        kwargs = dict(headers or {}, **extra)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(path, **kwargs)
        data = json.loads(response.content) if response.content else None
        return response.status_code, data

    return call


@pytest.fixture
def as_courier():
    """`as_courier(profile)` → Bearer headers for the API as that courier."""
    return lambda profile: bearer(profile.user)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's default language (Simplified Chinese). A request with
    Accept-Language: en leaves English active in the thread, which would otherwise leak into the
    next test's lazily translated messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
