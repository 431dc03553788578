"""The courier's pages of needs, the suggestion box and the inbox, mounted at /m/ (namespace
"mobile_needs"; the inbox views live in `nuanxin.messaging.views`)."""

from django.urls import path

from nuanxin.messaging import views as inbox_views

from . import views

app_name = "mobile_needs"
urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_new, name="need_new"),
    path("needs/<uuid:public_id>/", views.need_detail, name="need_detail"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/<uuid:public_id>/", views.suggestion_detail, name="suggestion_detail"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/unread/", inbox_views.inbox_unread_badge, name="inbox_unread"),
    path("inbox/read-all/", inbox_views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<uuid:public_id>/read/", inbox_views.inbox_read, name="inbox_read"),
    path("inbox/<uuid:public_id>/open/", inbox_views.inbox_open, name="inbox_open"),
]
