"""Mounted at /open311/v2/ (config/urls.py). Each endpoint ends in .json or .xml."""

from django.urls import path, re_path

from . import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[\w-]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[\w-]+)" + FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]+)" + FORMAT, views.token_detail, name="token"),
    re_path(r"^.*\.(?P<fmt>json|xml)$", views.not_found),
    re_path(r"^.*$", views.not_found),
]
