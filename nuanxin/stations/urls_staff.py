"""Staff dashboard pages of the station network, mounted at /staff/ (in the admin's look)."""

from django.urls import path

from . import views

app_name = "staff_stations"
urlpatterns = [
    path("streets/", views.street_list, name="street_list"),
    path("streets/<str:area_code>/overview/", views.street_overview, name="street_overview"),
]
