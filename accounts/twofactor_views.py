"""Two-factor pages: the second sign-in step, setting up an authenticator app from the
profile, the recovery codes (shown once), new recovery codes, turning 2FA off.
The rules are in accounts.twofactor; the gate in accounts.twofactor_middleware."""

from __future__ import annotations

from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import selectors, twofactor
from accounts.twofactor_middleware import remember
from etime.core.auth import lockout_response
from etime.core.errors import DomainError

RECOVERY_CODES_SESSION_KEY = "etime_2fa_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


def _next_url(request: HttpRequest, default: str = "home") -> str:
    """Where to go after the step: a path on this site (never another host, never a view
    name: any other ``next`` falls back to ``default``)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    ):
        return target
    return reverse(default)


def qr_svg(data: str) -> SafeString:
    """The otpauth:// URI as an inline SVG QR code (dark modules as one path)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append((start, y, x - start))
            else:
                x += 1
    path = format_html_join("", "M{} {}h{}v1h-{}z", ((x, y, w, w) for x, y, w in runs))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" width="220" height="220" role="img" '
        'aria-label="{1}" data-testid="twofactor-qr" shape-rendering="crispEdges">'
        '<rect width="{0}" height="{0}" fill="#fff"/><path d="{2}" fill="#000"/></svg>',
        size,
        _("QR code for your authenticator app"),
        path,
    )


def _locked_out(request: HttpRequest) -> HttpResponse:
    # The limit was reached on a second factor: the half-signed-in session ends too.
    logout(request)
    return lockout_response(request)


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the app, or a recovery code."""
    user = selectors.signed_in_user(request.user)
    if user.is_verified() or not twofactor.has_second_factor(user):  # type: ignore[attr-defined]
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify(request=request, user=user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.cycle_key()
            django_otp.login(request, device)
            if device.name == twofactor.RECOVERY_DEVICE_NAME:
                left = twofactor.status(user).recovery_codes_left
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)d left. Make new ones on your profile.")
                    % {"left": left},
                )
            return HttpResponseRedirect(_next_url(request))
        if getattr(request, "axes_locked_out", False) or twofactor.is_locked(request, user):
            return _locked_out(request)
        form.add_error("code", twofactor.InvalidCode.message)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/twofactor/verify.html", {"form": form, "next": _next_url(request)}, status=status)


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Setting up an authenticator app: its QR code and secret, then the first code."""
    user = selectors.signed_in_user(request.user)
    if twofactor.is_enrolled(user):
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("profile")
    device = twofactor.enrolment_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.enrolment_confirm(user=user, device=device, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            device.refresh_from_db()
            request.session.cycle_key()
            django_otp.login(request, device)
            remember(request, user)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return HttpResponseRedirect(f"{_recovery_url()}?{urlencode({'next': _next_url(request, 'profile')})}")
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/twofactor/setup.html",
        {
            "form": form,
            "qr": qr_svg(device.config_url),
            "secret": secret,
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": twofactor.required_for(user),
            "next": _next_url(request, "profile"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _recovery_url() -> str:
    return reverse("twofactor_recovery_codes")


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, once: they stay in the session until "I have saved them"."""
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    if request.method == "POST":
        request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
        return HttpResponseRedirect(_next_url(request, "profile"))
    if not codes:
        messages.info(request, _("Recovery codes are shown only once, right after they are made."))
        return redirect("profile")
    return render(
        request, "accounts/twofactor/recovery_codes.html", {"codes": codes, "next": _next_url(request, "profile")}
    )


@never_cache
@login_required
def recovery_download(request: HttpRequest) -> HttpResponse:
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once, right after they are made."))
        return redirect("profile")
    lines = [
        _("%(company)s recovery codes for %(login)s")
        % {"company": settings.ETIME_COMPANY_NAME, "login": request.user.get_username()},
        _("Each code works once, in place of a code from your authenticator app."),
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="etime-recovery-codes.txt"'
    return response


@login_required
@require_POST
def recovery_regenerate(request: HttpRequest) -> HttpResponse:
    try:
        codes = twofactor.recovery_codes_regenerate(user=selectors.signed_in_user(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("profile")
    request.session[RECOVERY_CODES_SESSION_KEY] = codes
    messages.success(request, _("New recovery codes made; the old ones no longer work."))
    return redirect("twofactor_recovery_codes")


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    user = selectors.signed_in_user(request.user)
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a current code to turn two-factor authentication off."))
        return redirect("profile")
    try:
        twofactor.disable(request=request, user=user, code=form.cleaned_data["code"])
    except DomainError as exc:
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
        messages.error(request, exc.message)
        return redirect("profile")
    remember(request, user)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("profile")


def profile_context(user: Any) -> dict[str, Any]:
    """The profile page's two-factor section."""
    return {"twofactor": twofactor.status(user), "twofactor_form": CodeForm(auto_id="id_twofactor_%s")}
