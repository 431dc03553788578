"""The merchant's counter pages, mounted at /m/ (namespace "merchant_scan")."""

from django.urls import path

from . import views_scan

app_name = "merchant_scan"
urlpatterns = [
    path("merchant/", views_scan.merchant_home, name="home"),
    path("merchant/login/", views_scan.merchant_login, name="login"),
    path("merchant/scan/", views_scan.merchant_scan, name="scan"),
]
