"""Staff notices: the service (once per recipient and key, in the site language, in the caller's
transaction), the page /staff/notices/, the API /api/v1/staff/notices and the header badge.

Everyone reads and marks only their own notices: another account's id answers 404 and nothing
changes; anonymous visitors get 401 (API) or the sign-in page, couriers 403.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.messaging import services
from nuanxin.messaging.models import StaffNotice

pytestmark = pytest.mark.django_db

API = "/api/v1/staff/notices"
PAGE = "/staff/notices/"
KIND = StaffNotice.Kind.REPORT_DISPATCHED


def notify(recipients, key, *, title="有新工单", url="/staff/reports/", kind=KIND):
    return services.staff_notify(
        recipients=recipients, kind=kind, title=title, body="正文", url=url, dedupe_key=key
    )


@pytest.fixture
def inboxes(users):
    """Street staff with two unread notices and a read one (oldest first); another street's staff
    with one unread notice."""
    me, other = users["street_staff"], users["other_street_staff"]
    notify([me], "a", title="第一条")
    notify([me], "b", title="第二条")
    notify([me], "c", title="第三条")
    services.staff_notice_mark_read(actor=me, public_id=StaffNotice.objects.get(dedupe_key="a").public_id)
    notify([other], "d", title="别人的")
    return {
        "me": me,
        "other": other,
        "others_notice": StaffNotice.objects.get(recipient=other),
    }


# --- the service -------------------------------------------------------------------------------


def test_one_notice_per_active_recipient_and_none_twice_for_the_same_key(users):
    street, district = users["street_staff"], users["district_staff"]
    gone = staff(Role.STREET_STAFF, street.area, username="gone", is_active=False)

    first = notify([street, district, street, gone], "report:1:dispatched")
    again = notify([street, district], "report:1:dispatched")
    other_change = notify([street], "report:1:returned")

    assert sorted(first) == sorted([street.pk, district.pk]) and again == [] and other_change == [street.pk]
    assert StaffNotice.objects.filter(recipient=street).count() == 2
    assert StaffNotice.objects.filter(recipient=district).count() == 1
    assert not StaffNotice.objects.filter(recipient=gone).exists()


def test_a_change_that_rolls_back_tells_nobody(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([users["street_staff"]], "k")
        raise RuntimeError("the change failed")
    assert not StaffNotice.objects.exists()


def test_notices_are_written_in_the_site_language(users):
    with translation.override("en"):
        notify([users["street_staff"]], "k", title=_("Back office"))
    assert StaffNotice.objects.get().title == "管理后台"


def test_unknown_kind_or_missing_key_is_a_programming_error(users):
    with pytest.raises(ValueError):
        notify([users["street_staff"]], "k", kind="gossip")
    with pytest.raises(ValueError):
        notify([users["street_staff"]], "")
    assert not StaffNotice.objects.exists()


# --- the API -----------------------------------------------------------------------------------


def test_the_api_lists_only_the_callers_notices_unread_first(api, auth, inboxes):
    status, body = api("get", API, headers=auth("street_staff"))
    assert status == 200
    assert (body["count"], body["unread"]) == (3, 2)
    assert [item["title"] for item in body["items"]] == ["第三条", "第二条", "第一条"]
    assert [item["is_read"] for item in body["items"]] == [False, False, True]
    assert body["items"][0]["url"] == "/staff/reports/" and body["items"][0]["kind"] == KIND

    status, body = api("get", f"{API}?unread=true&limit=1", headers=auth("street_staff"))
    assert (body["count"], [item["title"] for item in body["items"]]) == (2, ["第三条"])
    assert api("get", f"{API}/unread-count", headers=auth("street_staff"))[1] == {"unread": 2}


def test_marking_read_through_the_api(api, auth, inboxes):
    newest = StaffNotice.objects.get(dedupe_key="c")
    status, body = api("post", f"{API}/{newest.public_id}/read", headers=auth("street_staff"))
    assert status == 200 and body["is_read"] is True
    first_time = body["read_at"]
    # again is harmless: the first reading time stays
    assert (
        api("post", f"{API}/{newest.public_id}/read", headers=auth("street_staff"))[1]["read_at"]
        == first_time
    )

    status, body = api("post", f"{API}/read-all", headers=auth("street_staff"))
    assert (status, body) == (200, {"unread": 0})
    # the other street's notice is untouched
    inboxes["others_notice"].refresh_from_db()
    assert inboxes["others_notice"].read_at is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("courier", 403),
        ("other_street_staff", 200),  # its own list: one notice
        ("district_staff", 200),  # the district's staff do not see the street's notices
    ],
)
def test_api_authorization_matrix(api, auth, inboxes, who, status):
    headers = auth(who) if who else {}
    got, body = api("get", API, headers=headers)
    assert got == status
    if status == 200:
        assert all(item["title"] != "第二条" for item in body["items"])
    for path in (f"{API}/read-all", f"{API}/{inboxes['others_notice'].public_id}/read"):
        got, _body = api("post", path, headers=headers)
        if who in (None, "courier"):
            assert got == status
    # nothing of the street staff's changed, whoever asked
    assert StaffNotice.objects.filter(recipient=inboxes["me"], read_at__isnull=True).count() == 2


@pytest.mark.parametrize("who", ["street_staff", "district_staff", "city_staff", "steward"])
def test_another_accounts_notice_is_404_and_stays_unread(api, auth, inboxes, who):
    status, body = api("post", f"{API}/{inboxes['others_notice'].public_id}/read", headers=auth(who))
    assert status == 404 and body["code"] == "not_found"
    inboxes["others_notice"].refresh_from_db()
    assert inboxes["others_notice"].read_at is None


def test_a_superuser_sees_only_their_own_notices_too(api, inboxes):
    from nuanxin.accounts.tests.factories import UserFactory, bearer

    root = UserFactory(username="root", is_superuser=True)
    status, body = api("get", API, headers=bearer(root))
    assert (status, body["count"]) == (200, 0)
    assert api("post", f"{API}/{inboxes['others_notice'].public_id}/read", headers=bearer(root))[0] == 404


# --- the page ----------------------------------------------------------------------------------


def rows(response):
    import re

    return re.findall(r'data-notice="([0-9a-f-]+)" data-read="(yes|no)"', response.content.decode())


def test_the_page_lists_own_notices_unread_first_in_chinese(client, inboxes):
    client.force_login(inboxes["me"])
    response = client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    listed = rows(response)
    titles = {str(notice.public_id): notice.title for notice in StaffNotice.objects.all()}
    assert [(titles[public_id], read) for public_id, read in listed] == [
        ("第三条", "no"),
        ("第二条", "no"),
        ("第一条", "yes"),
    ]
    assert "别人的" not in content
    assert '<html lang="zh-hans"' in content and "首页" in content


def test_the_page_is_paged_with_a_fixed_number_of_queries(client, users):
    me = users["street_staff"]
    client.force_login(me)
    notify([me], "first")
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200
    for number in range(29):
        notify([me], f"more-{number}")
    with CaptureQueriesContext(connection) as many:
        first_page = client.get(PAGE)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(rows(first_page)) == 25
    assert len(rows(client.get(PAGE, {"page": 2}))) == 5


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, inboxes):
    client.force_login(inboxes["me"])
    notice = StaffNotice.objects.get(dedupe_key="b")
    response = client.get(f"{PAGE}{notice.public_id}/open/")
    assert response.status_code == 302 and response["Location"] == "/staff/reports/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_link_out_of_the_site_is_not_followed(client, users):
    me = users["street_staff"]
    notify([me], "odd", url="https://example.com/phish")
    notify([me], "odd2", url="//example.com/phish")
    client.force_login(me)
    for notice in StaffNotice.objects.all():
        response = client.get(f"{PAGE}{notice.public_id}/open/")
        assert response.status_code == 302 and response["Location"] == PAGE


@pytest.mark.parametrize("who", ["street_staff", "district_staff", "steward"])
def test_opening_another_accounts_notice_is_404_and_changes_nothing(client, users, inboxes, who):
    client.force_login(users[who])
    assert client.get(f"{PAGE}{inboxes['others_notice'].public_id}/open/").status_code == 404
    inboxes["others_notice"].refresh_from_db()
    assert inboxes["others_notice"].read_at is None


def test_mark_all_read_is_a_post_and_touches_only_own_notices(client, inboxes):
    client.force_login(inboxes["me"])
    assert client.get(f"{PAGE}read-all/").status_code == 405
    response = client.post(f"{PAGE}read-all/")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert not StaffNotice.objects.filter(recipient=inboxes["me"], read_at__isnull=True).exists()
    inboxes["others_notice"].refresh_from_db()
    assert inboxes["others_notice"].read_at is None
    assert all(read == "yes" for _id, read in rows(client.get(PAGE)))


def test_anonymous_visitors_sign_in_and_couriers_are_refused(client, users, inboxes):
    notice = inboxes["others_notice"]
    for path in (PAGE, f"{PAGE}{notice.public_id}/open/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.post(f"{PAGE}read-all/").status_code == 302
    client.force_login(users["courier"])
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}{notice.public_id}/open/").status_code == 403
    assert client.post(f"{PAGE}read-all/").status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None


# --- the badge in the back office's header -----------------------------------------------------


def badge(content):
    import re

    match = re.search(r'id="staff-notices-link" data-unread="(\d+)"', content)
    return int(match.group(1)) if match else None


def test_the_header_shows_the_unread_count_on_admin_and_staff_pages(client, inboxes):
    client.force_login(inboxes["me"])
    for path in ("/admin/", PAGE, "/staff/reports/"):
        content = client.get(path).content.decode()
        assert badge(content) == 2, path
        assert 'data-notice-badge style="' in content and 'href="/staff/notices/"' in content
    # the rest of the header is still there
    content = client.get("/admin/").content.decode()
    assert 'id="logout-form"' in content and 'id="site-name"' in content

    client.post(f"{PAGE}read-all/")
    content = client.get("/admin/").content.decode()
    assert badge(content) == 0 and "data-notice-badge" not in content


def test_another_account_sees_its_own_count(client, inboxes):
    client.force_login(inboxes["other"])
    assert badge(client.get("/admin/").content.decode()) == 1


def test_the_sign_in_page_has_no_badge(client, inboxes):
    assert badge(client.get("/admin/login/").content.decode()) is None
