"""The courier's housing pages, mounted at /m/ (namespace "mobile_housing")."""

from django.urls import path

from . import views

app_name = "mobile_housing"
urlpatterns = [
    path("housing/", views.housing_home, name="home"),
    path("housing/apartments/<uuid:public_id>/", views.apartment_detail, name="apartment_detail"),
    path("housing/stays/", views.stay_list, name="stay_list"),
    path("housing/stays/<uuid:public_id>/cancel/", views.stay_cancel, name="stay_cancel"),
    path("housing/offers/<uuid:public_id>/", views.offer_detail, name="offer_detail"),
    path("housing/intents/<uuid:public_id>/withdraw/", views.intent_withdraw, name="intent_withdraw"),
]
