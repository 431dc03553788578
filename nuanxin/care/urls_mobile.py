"""The courier's catalog and check-in pages, mounted at /m/ (namespace "mobile_care")."""

from django.urls import path

from . import views

app_name = "mobile_care"
urlpatterns = [
    path("services/", views.service_list, name="service_list"),
    path("check-in/<str:token>/", views.check_in, name="check_in"),
]
