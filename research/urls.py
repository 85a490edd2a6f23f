"""research's pages: a publication's public page (S20) and the advisors' library (S23)."""

from django.urls import path

from research.views import library_publication_view, library_view, research_read_view

urlpatterns = [
    path("r/<str:token>/", research_read_view, name="research-read"),
    path("research/library/", library_view, name="research-library"),
    path("research/library/<int:pk>/", library_publication_view, name="research-library-publication"),
]
