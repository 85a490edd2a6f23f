"""clients' pages: the printable service card (S10)."""

from django.urls import path

from clients.views import service_card_view

urlpatterns = [
    path("clients/<int:client_id>/service-card/", service_card_view, name="service-card"),
]
