"""Staff pages of street reports, mounted at /staff/reports/ (namespace "staff_reports")."""

from django.urls import path

from . import views_staff

app_name = "staff_reports"
urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("<uuid:public_id>/", views_staff.detail, name="detail"),
]
