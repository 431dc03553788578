"""Fixtures shared by every app's tests: a small area tree and one account per role."""

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
