"""The deliberation hall's mobile pages, mounted at /m/ (namespace "mobile_hall")."""

from django.urls import path

from . import views

app_name = "mobile_hall"
urlpatterns = [
    path("hall/", views.board, name="board"),
    path("hall/new/", views.item_new, name="item_new"),
    path("hall/mine/", views.my_items, name="my_items"),
    path("hall/menu/", views.menu, name="menu"),
    path("hall/menu/<int:service_item_id>/order/", views.menu, name="menu_order"),
    path("hall/<uuid:public_id>/", views.item_detail, name="item_detail"),
    path("hall/<uuid:public_id>/support/", views.item_support, name="item_support"),
]
