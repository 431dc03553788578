from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.demo import load_demo_couriers
from nuanxin.volunteers.demo import load_demo_volunteers
from nuanxin.volunteers.models import Certificate, SignUp, Team
from nuanxin.volunteers.services import certificate_is_authentic


def test_the_demo_has_a_team_hours_and_a_verifiable_certificate_and_runs_once(client, db):
    # given the demo street (劝业场街道), its staff account and the demo courier
    areas = make_tree()
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    load_demo_couriers()

    first = load_demo_volunteers()
    second = load_demo_volunteers()

    assert first == {"teams": 1, "entries": 4, "certificates": 1}
    assert second == {"teams": 0, "entries": 0, "certificates": 0}
    assert Team.objects.count() == 1
    assert SignUp.objects.filter(approved_at__isnull=False).count() == 3
    assert SignUp.objects.filter(checked_in_at__isnull=True, status="active").count() == 1
    certificate = Certificate.objects.get()
    assert certificate.facts["total_minutes"] == 390
    assert certificate_is_authentic(certificate)
    assert client.get(f"/verify/certificates/{certificate.number}/").status_code == 200


def test_the_demo_needs_the_demo_street_and_its_staff(db):
    assert load_demo_volunteers() == {"teams": 0, "entries": 0, "certificates": 0}
