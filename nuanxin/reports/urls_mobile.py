"""The courier's street-report pages, mounted at /m/ (namespace "mobile_reports")."""

from django.urls import path

from . import views

app_name = "mobile_reports"
urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/new/", views.report_new, name="new"),
    path("reports/new/not-sent/", views.report_not_sent, name="not_sent"),
    path("reports/<uuid:public_id>/", views.report_detail, name="detail"),
]
