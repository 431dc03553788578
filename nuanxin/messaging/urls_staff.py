"""Staff notices, mounted at /staff/notices/ (namespace "staff_notices"), in the back office's look."""

from django.urls import path

from . import views_staff

app_name = "staff_notices"
urlpatterns = [
    path("", views_staff.notice_list, name="list"),
    path("read-all/", views_staff.notice_read_all, name="read_all"),
    path("<uuid:public_id>/open/", views_staff.notice_open, name="open"),
]
