"""Volunteer pages, mounted at the site root: the courier's pages under /m/volunteer/ and the public
certificate verification page under /verify/certificates/ (namespace "volunteers").

The check-in path /m/volunteer/shifts/<id>/check-in/?token=… is printed on posters as a QR code:
it must not change."""

from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("m/volunteer/", views.home, name="home"),
    path("m/volunteer/register/", views.register, name="register"),
    path("m/volunteer/record/", views.record, name="record"),
    path("m/volunteer/teams/", views.teams, name="teams"),
    path("m/volunteer/teams/<uuid:public_id>/", views.team_detail, name="team_detail"),
    path("m/volunteer/shifts/", views.shifts, name="shifts"),
    path("m/volunteer/shifts/<uuid:public_id>/sign-up/", views.sign_up, name="sign_up"),
    path("m/volunteer/shifts/<uuid:public_id>/check-in/", views.shift_check_in, name="shift_check_in"),
    path("m/volunteer/sign-ups/", views.sign_ups, name="sign_ups"),
    path("m/volunteer/sign-ups/<uuid:public_id>/", views.sign_up_detail, name="sign_up_detail"),
    path("m/volunteer/sign-ups/<uuid:public_id>/cancel/", views.sign_up_cancel, name="sign_up_cancel"),
    path("m/volunteer/sign-ups/<uuid:public_id>/position/", views.sign_up_position, name="sign_up_position"),
    path(
        "m/volunteer/sign-ups/<uuid:public_id>/correction/",
        views.sign_up_correction,
        name="sign_up_correction",
    ),
    path("m/volunteer/scan/", views.scan, name="scan"),
    path("m/volunteer/certificates/", views.certificates, name="certificates"),
    path("m/volunteer/certificates/<uuid:public_id>.pdf", views.certificate_download, name="certificate_pdf"),
    path("verify/certificates/<str:number>/", views.verify_certificate, name="verify"),
]
