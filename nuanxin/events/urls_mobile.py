"""The courier's event pages, mounted at /m/ (namespace "mobile_events")."""

from django.urls import path

from . import views

app_name = "mobile_events"
urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/mine/", views.my_signups, name="mine"),
    path("events/<uuid:public_id>/", views.event_detail, name="detail"),
    path("events/<uuid:public_id>/signup/", views.event_signup, name="signup"),
    path("events/<uuid:public_id>/cancel/", views.event_cancel, name="cancel"),
    path("events/<uuid:public_id>/ticket/", views.event_ticket, name="ticket"),
    path("events/<uuid:public_id>/reminders/", views.event_reminders, name="reminders"),
    path("events/<uuid:public_id>/feedback/", views.event_feedback, name="feedback"),
]
