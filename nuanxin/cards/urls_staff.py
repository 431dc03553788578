"""Service cards and manuals in the back office, mounted at /staff/cards/ (namespace "staff_cards")."""

from django.urls import path

from . import views

app_name = "staff_cards"
urlpatterns = [
    path("", views.card_list, name="card_list"),
    path("<str:code>/card.pdf", views.card_pdf, name="card_pdf"),
    path("<str:code>/manual.pdf", views.manual_pdf, name="manual_pdf"),
]
