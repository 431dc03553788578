"""The couriers' mobile pages of the station network, mounted at /m/."""

from django.urls import path

from . import views

app_name = "mobile_stations"
urlpatterns = [
    path("stations/", views.station_finder, name="finder"),
    path("stations/<uuid:public_id>/", views.station_detail, name="detail"),
]
