"""visits' pages: a return visit being made (A5)."""

from django.urls import path

from visits.views import visit_view

urlpatterns = [
    path("visits/<int:visit_id>/", visit_view, name="return-visit"),
]
