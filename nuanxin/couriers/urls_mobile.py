"""The courier's own pages of the mobile site, mounted at /m/ (see views.py)."""

from django.urls import path

from . import views

app_name = "mobile_couriers"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_page, name="logout"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("register/", views.register_page, name="register"),
    path("me/", views.me_page, name="me"),
    path("me/export/", views.export_page, name="export"),
    path("me/delete/", views.delete_page, name="delete"),
]
