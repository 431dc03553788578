"""Staff pages of points and recognition, mounted at /staff/leaderboards/ (namespace
"staff_points"), in the back office's look."""

from django.urls import path

from . import views_staff

app_name = "staff_points"
urlpatterns = [
    path("", views_staff.leaderboard, name="leaderboard"),
    path("export.xlsx", views_staff.leaderboard_export, name="leaderboard_export"),
]
