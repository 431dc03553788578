"""The public map of street reports, mounted at /m/ (namespace "public_reports")."""

from django.urls import path

from . import views_public

app_name = "public_reports"
urlpatterns = [
    path("reports/map/", views_public.public_map, name="map"),
]
