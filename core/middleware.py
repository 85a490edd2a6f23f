import contextvars
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language in the menu (the language cookie). The browser's
    Accept-Language is not consulted: a service centre's screens read the same on every desk."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseNulCharactersMiddleware:
    """A NUL in a query or form parameter can never be stored or searched (PostgreSQL refuses it in text): answer
    400 at the door instead of a 500 from whichever page or search meets it (issue 13: admin autocomplete, the
    survey results page). Under /api/ the answer is JSON, like every API error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        parameters = [*request.GET.lists()]
        if request.method == "POST" and request.content_type in {"application/x-www-form-urlencoded",
                                                                 "multipart/form-data"}:
            parameters += [*request.POST.lists()]
        if any("\x00" in name or any("\x00" in value for value in values) for name, values in parameters):
            message = "a parameter holds a NUL character"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)


# Scripts from this site only (no inline script, no eval: every script is a file under static/), styles from this site
# and inline style attributes (ECharts and the admin set them), images and fonts from here or data: URLs, no plugin,
# no framing, forms posted only here (issue 35: ECharts and our JavaScript are local files).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeadersMiddleware:
    """Every page and API answer gets the Content-Security-Policy, and none is kept by a browser or a proxy
    (Cache-Control: no-store; personal data, dashboards, exports, the API, tokens) unless the view said otherwise.
    Static files are served before this (WhiteNoise, or runserver's handler) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Cache-Control", "no-store")
        return response


class SecondFactorMiddleware:
    """Issue 35: a member of staff who signed in with the password but gave no second factor yet (this session) is
    sent to give it (or to set it up, the first time) before any page; the API, read through such a session, is
    refused. API tokens are not sessions: they pass as before."""

    EXEMPT = ("/account/second-factor/", "/admin/login/", "/admin/logout/", "/i18n/", "/static/", "/admin/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Local: the second factor's models are read once the apps are loaded, after this module is imported.
        from core.second_factor import second_factor_needed

        user = getattr(request, "user", None)
        if (user is not None and second_factor_needed(user) and not user.is_verified()
                and not request.path.startswith(self.EXEMPT)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "a second factor is required"}, status=403)
            return redirect("/account/second-factor/?next=" + quote(request.get_full_path()))
        return self.get_response(request)



reader: contextvars.ContextVar = contextvars.ContextVar("reader", default=None)


class ReaderMiddleware:
    """Who reads the page being rendered, for the admin's links on related records (core.admin_links): a link is
    shown only where its reader may follow it (issue 36)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = reader.set(request)
        try:
            return self.get_response(request)
        finally:
            reader.reset(token)
