"""A second factor for staff (issue 35): a TOTP code from an authenticator app after the password, enrolled at the
first login, with ten recovery codes shown once; head office resets a member of staff who lost their phone
(clients.admin, logged). Required when settings.SECOND_FACTOR_REQUIRED (production by default): every member of
staff reveals numbers, exports, approves or holds head-office rights, or reads clients who may; one rule for all.
The API's tokens (settlement, calls, read) are unchanged: they are not people logging in."""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("code"), max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}))


def second_factor_needed(user) -> bool:
    """Whether this user must give a second factor before working: staff, when the setting asks for it."""
    return bool(settings.SECOND_FACTOR_REQUIRED and user.is_authenticated and user.is_staff)


def second_factor_reset(user) -> int:
    """Head office's reset (a lost phone): every device removed, so the next login enrolls again."""
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    return removed


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/admin/"


def _context(request, **values) -> dict:
    return {**admin.site.each_context(request), "next": _next(request), **values}


@login_required
def setup_view(request):
    """Enrollment: a new authenticator key (shown as a QR code and as text), confirmed by its first code; then the
    recovery codes, once."""
    if user_has_device(request.user):
        return redirect(f"/account/second-factor/?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
        user=request.user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            recovery = StaticDevice.objects.create(user=request.user, name="recovery")
            codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
            StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
            return render(request, "second_factor/recovery.html", _context(
                request, title=_("Your recovery codes"), codes=codes))
        form.add_error("code", _("That code is not right: enter the six digits the app shows now."))
    url = device.config_url  # otpauth://totp/futcrm:<login>?secret=…&issuer=futcrm (settings.OTP_TOTP_ISSUER)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "second_factor/setup.html", _context(
        request, title=_("Set up your second factor"), form=form, secret=" ".join(
            secret[index:index + 4] for index in range(0, len(secret), 4)),
        qr=mark_safe(segno.make(url, error="m").svg_inline(scale=4))))  # noqa: S308 - segno's own SVG


@login_required
def verify_view(request):
    """At each login: the code from the app, or one of the recovery codes (each works once)."""
    if not user_has_device(request.user):
        return redirect(f"/account/second-factor/setup/?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("That code is not right."))
    return render(request, "second_factor/verify.html", _context(
        request, title=_("Your second factor"), form=form))
