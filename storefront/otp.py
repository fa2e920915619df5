"""Sign-in with a one-time code, for shops whose provider signs its own customers in
(Capability.OTP_SIGN_IN: Commerce Engine's phone or email OTP).

1. `otp-start` (POST, on the sign-in page): phone or email → the provider sends a code; the
   in-flight state stays server-side in the session (the provider keeps it there, encrypted).
2. `otp-verify` (GET shows the form, POST checks the code): the provider signs its customer in
   and says who they are (ProviderIdentity); we find the storefront user linked to that
   customer (models.ShopperLink), else the user with that email when the provider verified it
   (never a staff or superuser account), else create one without a password; then the usual
   sign-in (accounts._sign_in), whose hook links the user and brings the guest cart along.

Throttled by storefront.throttle (django-ratelimit's atomic cache counters, counted before they
are checked; settings.RATE_LIMITS): asking for codes ("otp") per client address and per phone or
email (hashed); trying codes ("otp-verify") per client address and per browser session.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from carts.session import CartSession
from storefront.exceptions import CapabilityMissing, StorefrontError
from storefront.links import shopper_link_set
from storefront.models import ShopperLink
from storefront.providers.base import require
from storefront.providers.types import Capability, ProviderIdentity

from . import throttle
from .htmx import add_error, redirect_303, safe_next
from .sign_in import sign_in
from .validators import SafeForm

MSG_SENT = "We sent a code to {destination}. It is valid for a few minutes."
MSG_START_FIRST = "Ask for a code first."
MSG_WELCOME = "Welcome, {name}. You're signed in."

NEXT_KEY = "otp:next"
DESTINATION_KEY = "otp:destination"


class OtpStartForm(SafeForm):
    channel = forms.ChoiceField(
        choices=(("phone", "Mobile number"), ("email", "Email")), initial="phone", widget=forms.RadioSelect
    )
    value = forms.CharField(
        max_length=254,
        label="Mobile number or email",
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "text"}),
    )


class OtpVerifyForm(SafeForm):
    otp = forms.CharField(
        max_length=12,
        label="Code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _provider(request):
    try:
        return require(request.shop, Capability.OTP_SIGN_IN)
    except CapabilityMissing as exc:
        raise Http404(exc.user_message) from exc


@sensitive_post_parameters("value")
@require_POST
def otp_start(request) -> HttpResponse:
    provider = _provider(request)
    if request.user.is_authenticated:
        return redirect_303(reverse("home"))
    form = OtpStartForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            throttle.hit(request, "otp", phone=throttle.digest(data["value"].strip().lower()))
        except throttle.Throttled as exc:
            form.add_error(None, exc.user_message)
            response = _sign_in_page(request, form, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        try:
            challenge = provider.otp_start(
                CartSession.of(request).context(), channel=data["channel"], value=data["value"]
            )
        except StorefrontError as exc:
            if exc.status >= 500:
                add_error(request, exc)
            form.add_error("value" if exc.field in ("value", "channel") else None, exc.user_message)
            return _sign_in_page(request, form, status=exc.status if exc.status >= 500 else 400)
        request.session[DESTINATION_KEY] = challenge.destination
        request.session[NEXT_KEY] = safe_next(request, reverse("home"))
        messages.info(request, MSG_SENT.format(destination=challenge.destination))
        return redirect_303(reverse("accounts:otp-verify"))
    return _sign_in_page(request, form, status=400)


def _sign_in_page(request, otp_form, *, status: int) -> HttpResponse:
    """The code form again with what went wrong (the password form stays on /accounts/login/)."""
    context = {"otp_form": otp_form, "next": request.POST.get("next", "")}
    return render(request, "registration/otp_start.html", context, status=status)


@sensitive_post_parameters("otp")
@require_http_methods(["GET", "HEAD", "POST"])
def otp_verify(request) -> HttpResponse:
    provider = _provider(request)
    if request.user.is_authenticated:
        return redirect_303(reverse("home"))
    destination = request.session.get(DESTINATION_KEY)
    if not destination:
        messages.info(request, MSG_START_FIRST)
        return redirect_303(reverse("accounts:login"))
    form = OtpVerifyForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            throttle.hit(request, "otp-verify", browser=throttle.digest(request.session.session_key or ""))
        except throttle.Throttled as exc:
            form.add_error(None, exc.user_message)
            status, retry_after = 429, exc.retry_after
        else:
            try:
                identity = provider.otp_verify(
                    CartSession.of(request).context(), otp=form.cleaned_data["otp"]
                )
            except StorefrontError as exc:
                if exc.status >= 500:
                    add_error(request, exc)
                form.add_error("otp" if exc.field == "otp" else None, exc.user_message)
                status = exc.status if exc.status >= 500 else 400
            else:
                return _signed_in(request, provider, identity)
    elif request.method == "POST":
        status = 400
    response = render(
        request, "registration/otp_verify.html", {"form": form, "destination": destination}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _signed_in(request, provider, identity: ProviderIdentity) -> HttpResponse:
    user = otp_user_for(identity=identity, account=provider.account)
    target = request.session.pop(NEXT_KEY, "") or reverse("home")
    request.session.pop(DESTINATION_KEY, None)
    sign_in(request, user)
    messages.success(request, MSG_WELCOME.format(name=user.first_name or user.email or "back"))
    return redirect_303(target)


def otp_user_for(*, identity: ProviderIdentity, account):
    """The storefront user for a customer the provider signed in: the one linked to them, else
    the (non-staff) user with the email the provider verified, else a new user without a
    password. The link is written here; its tokens by the sign-in hook."""
    users = get_user_model().objects
    link = (
        ShopperLink.objects.filter(account=account, external_id=identity.external_id)
        .select_related("user")
        .first()
    )
    user = link.user if link else None
    if user is None and identity.email and (identity.channel == "email" or identity.email_verified):
        user = (
            users.filter(email__iexact=identity.email, is_staff=False, is_superuser=False)
            .order_by("pk")
            .first()
        )
    if user is None:
        email = identity.email if identity.channel == "email" or identity.email_verified else ""
        taken = bool(email) and users.filter(username__iexact=email).exists()
        username = (
            email if email and not taken else f"otp-{identity.external_id}-{secrets.token_hex(3)}"[:150]
        )
        user = users.create_user(
            username=username,
            email=email,
            first_name=identity.first_name[:150],
            last_name=identity.last_name[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    shopper_link_set(user=user, account=account, external_id=identity.external_id)
    return user
