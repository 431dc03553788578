import pytest

from .factories import make_team, make_volunteer


@pytest.fixture
def team(areas):
    return make_team(areas["street"])


@pytest.fixture
def volunteer(team):
    return make_volunteer(team=team)


@pytest.fixture
def courier_auth(volunteer):
    from nuanxin.accounts.tests.factories import bearer

    return bearer(volunteer.courier.user)
