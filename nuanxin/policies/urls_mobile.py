"""The courier's policy pages, mounted at /m/ (namespace "mobile_policies")."""

from django.urls import path

from . import views

app_name = "mobile_policies"
urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<uuid:public_id>/", views.policy_detail, name="policy_detail"),
]
