"""The API's JSON parser (settings REST_FRAMEWORK DEFAULT_PARSER_CLASSES). Its own module: rest_framework.views
reads the setting while core.api, which imports it, is still loading."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a body nested deeper than Python's recursion limit (5,000 "[") a 400 like any other
    body that is not JSON, never a 500 (issue 35 finding 6)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
