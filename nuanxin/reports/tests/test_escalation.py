"""Overdue reports are raised to the district by a job whose clock tests set (`at=` / --at)."""

import datetime

import pytest
from django.core.management import call_command

from nuanxin.accounts.tests.factories import bearer
from nuanxin.messaging.models import InboxMessage
from nuanxin.reports.models import Report, ReportEvent
from nuanxin.reports.services import reports_escalate_overdue

from . import factories

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def due_reports(mapped, couriers):
    street = mapped["street"]
    due = NOW + datetime.timedelta(hours=48)
    return {
        "open": factories.make_report(street, reporter=couriers["me"], due_at=due),
        "in_progress": factories.make_report(street, status=Report.Status.IN_PROGRESS, due_at=due),
        "resolved": factories.make_report(street, status=Report.Status.RESOLVED, due_at=due),
        "later": factories.make_report(street, due_at=due + datetime.timedelta(days=2)),
    }


def test_nothing_is_escalated_before_the_due_time(due_reports):
    assert reports_escalate_overdue(at=NOW + datetime.timedelta(hours=48)) == 0
    assert not Report.objects.filter(escalated_at__isnull=False).exists()


def test_overdue_open_reports_go_to_the_district_once(due_reports, mapped):
    at = NOW + datetime.timedelta(hours=49)
    assert reports_escalate_overdue(at=at) == 2
    escalated = Report.objects.filter(escalated_at=at)
    assert {report.pk for report in escalated} == {due_reports["open"].pk, due_reports["in_progress"].pk}
    assert all(report.escalated_to == mapped["district"] for report in escalated)
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.ESCALATED).count() == 2
    assert InboxMessage.objects.filter(recipient=due_reports["open"].reporter).count() == 1
    # running again changes nothing
    assert reports_escalate_overdue(at=at + datetime.timedelta(hours=1)) == 0


def test_the_management_command_takes_the_clock(due_reports, capsys):
    call_command("escalate_overdue_reports", "--at", (NOW + datetime.timedelta(days=5)).isoformat())
    assert Report.objects.filter(escalated_at__isnull=False).count() == 3
    assert "3" in capsys.readouterr().out


def test_the_district_filters_its_escalated_reports(api, due_reports, users):
    reports_escalate_overdue(at=NOW + datetime.timedelta(hours=49))
    status, body = api("get", "/api/v1/reports/queue?escalated=true", headers=bearer(users["district_staff"]))
    assert status == 200 and body["count"] == 2
