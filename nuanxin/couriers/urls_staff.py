"""Staff pages of the courier registry, mounted at /staff/couriers/."""

from django.urls import path

from . import views_staff

app_name = "staff_couriers"
urlpatterns = [
    path("import/", views_staff.import_page, name="import"),
    path("import/<uuid:token>/", views_staff.import_preview_page, name="import_preview"),
    path("import/<uuid:token>/commit/", views_staff.import_commit_page, name="import_commit"),
    path("import/<uuid:token>/discard/", views_staff.import_discard_page, name="import_discard"),
]
