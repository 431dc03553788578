"""The courier's meal pages, mounted at /m/ (namespace "mobile_merchants")."""

from django.urls import path

from . import views

app_name = "mobile_merchants"
urlpatterns = [
    path("meals/", views.meal_list, name="meal_list"),
    path("meals/<uuid:public_id>/", views.meal_code_page, name="meal_code"),
    path("meals/<uuid:public_id>/code/", views.meal_code_fragment, name="meal_code_fragment"),
]
