"""The door pages of events for stewards and staff, mounted at /m/ (namespace "event_scan")."""

from django.urls import path

from . import views_scan

app_name = "event_scan"
urlpatterns = [
    path("events/<uuid:public_id>/scan/", views_scan.event_scan, name="scan"),
    path("events/<uuid:public_id>/scan/count/", views_scan.event_scan_count, name="count"),
]
