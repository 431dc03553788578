"""Volunteer pages, mounted at the site root: the courier's pages under /m/volunteer/ and the public
certificate verification page under /verify/certificates/ (namespace "volunteers")."""

from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("m/volunteer/", views.home, name="home"),
    path("m/volunteer/register/", views.register, name="register"),
    path("m/volunteer/shifts/<uuid:public_id>/sign-up/", views.sign_up, name="sign_up"),
    path("m/volunteer/certificates/<uuid:public_id>.pdf", views.certificate_download, name="certificate_pdf"),
    path("verify/certificates/<str:number>/", views.verify_certificate, name="verify"),
]
