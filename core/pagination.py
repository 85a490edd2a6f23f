from rest_framework.pagination import PageNumberPagination as _PageNumberPagination


class PageNumberPagination(_PageNumberPagination):
    """`?page=` / `?page_size=` (at most 1000), as settlement-api.md fixes for every read endpoint."""

    page_size_query_param = "page_size"
    max_page_size = 1000
