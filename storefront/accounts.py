"""Customer accounts: email sign-in, sign-up, and the cart merge at sign-in."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, logout, password_validation
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from carts import assist as cart_assist
from carts import services as cart_services
from carts.session import CartSession
from storefront.navigation import checked_next

from . import otp, throttle
from .htmx import redirect_303, safe_next
from .sign_in import sign_in as _sign_in
from .validators import ACCOUNT_EMAIL_MAX_LENGTH, MSG_EMAIL_TOO_LONG, SafeForm

MSG_BAD_LOGIN = "That email and password don't match an account."
MSG_EMAIL_TAKEN = "An account with this email already exists. Sign in instead."
MSG_WELCOME = "Welcome back, {name}."
MSG_SIGNED_UP = "Your account is ready. Welcome, {name}."
MSG_SIGNED_OUT = "You have signed out."
MSG_ALREADY_SIGNED_IN = "You're signed in as {email}. Sign out first to create another account."
MSG_LINK_INVALID = "This link has expired or was already used. Sign in, or ask us for a new one."
MSG_ACCOUNT_READY = "Your password is set. Welcome, {name}."


class EmailBackend(ModelBackend):
    """Sign in with email (case-insensitive) and password. Exactly one password hash per attempt,
    whether or not the email has an account (tests/security/test_sign_in_timing.py)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip()
        if not email or not password:
            return None
        user = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            # one hash, as checking a known account's password costs: how long a wrong sign-in
            # takes does not tell whether the email has an account
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class LoginForm(SafeForm):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SignupForm(SafeForm):
    name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    # the email is the account's username (User.username: at most 150 characters)
    email = forms.EmailField(
        max_length=ACCOUNT_EMAIL_MAX_LENGTH,
        error_messages={"max_length": MSG_EMAIL_TOO_LONG},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not all numbers.",
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(MSG_EMAIL_TAKEN)
        return email

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("email"):
            probe = get_user_model()(
                username=data["email"], email=data["email"], first_name=data.get("name", "")
            )
            try:
                password_validation.validate_password(data["password"], probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, MSG_BAD_LOGIN)
        else:
            _sign_in(request, user)
            messages.success(request, MSG_WELCOME.format(name=user.first_name or user.email))
            return redirect_303(safe_next(request, reverse("home")))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/login.html", {"form": form, "next": checked_next(request)}, status=status
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def signup_view(request) -> HttpResponse:
    if request.method != "POST" and request.user.is_authenticated:
        # a signed-in customer who follows an old link is sent on, not offered a second account
        messages.info(request, MSG_ALREADY_SIGNED_IN.format(email=request.user.email))
        return redirect_303(safe_next(request, reverse("home")))
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        # every sign-up try counts, refused ones too (they tell which emails have accounts)
        try:
            throttle.hit(request, "sign-up")
        except throttle.Throttled as exc:
            # the form keeps what was typed, unchecked (checking would say which emails are taken)
            kept = SignupForm(initial={k: request.POST.get(k, "")[:254] for k in ("name", "email")})
            return throttle.throttled_response(
                request,
                exc,
                template="registration/signup.html",
                context={"form": kept, "next": checked_next(request)},
            )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = get_user_model().objects.create_user(
            username=data["email"], email=data["email"], password=data["password"], first_name=data["name"]
        )
        _sign_in(request, user)
        messages.success(request, MSG_SIGNED_UP.format(name=user.first_name))
        return redirect_303(safe_next(request, reverse("home")))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/signup.html", {"form": form, "next": checked_next(request)}, status=status
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def set_password_view(request, uidb64: str, token: str) -> HttpResponse:
    """The one-time link emailed to a customer whose account staff created (assisted selling):
    choose a password, and be signed in to the cart prepared for them. An expired or used link
    is a 404 page that says so."""
    try:
        user = get_user_model().objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or user.has_usable_password() or not default_token_generator.check_token(user, token):
        raise Http404(MSG_LINK_INVALID)
    form = SetPasswordForm(user, request.POST or None, label_suffix="")
    if request.method == "POST" and form.is_valid():
        form.save()
        _sign_in(request, user)
        messages.success(request, MSG_ACCOUNT_READY.format(name=user.first_name or user.email))
        return redirect_303(reverse("carts:cart"))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/set_password.html", {"form": form, "email": user.email}, status=status
    )


@require_POST
def logout_view(request) -> HttpResponse:
    cart_assist.assist_end(request=request)  # a member of staff signing out stops assisting
    cart_services.cart_sign_out(cs=CartSession.of(request))
    logout(request)
    CartSession.of(request).remember_count(0)  # the badge showed the customer's cart
    messages.info(request, MSG_SIGNED_OUT)
    return redirect_303(reverse("home"))


app_name = "accounts"
urlpatterns = [
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("signup/", signup_view, name="signup"),
    path("welcome/<str:uidb64>/<str:token>/", set_password_view, name="set-password"),
    path("otp/", otp.otp_start, name="otp-start"),
    path("otp/verify/", otp.otp_verify, name="otp-verify"),
]
