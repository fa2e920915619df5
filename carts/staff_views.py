"""The assisted-selling console (/staff/) and its actions: find or create a customer, start and end
assisting them, and the customer's confirmation code. One thin view per page or data-action, as in
carts.views. Anonymous visitors are sent to sign in; anyone without `carts.assist_customer` gets
a 404 (the console does not exist for customers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from storefront.exceptions import StorefrontError
from storefront.htmx import HtmxHttpRequest, redirect_303, render_fragments, safe_next

from . import assist, forms, selectors
from .models import PERM_ASSIST, AssistEvent
from .session import CartSession

CONSOLE_TEMPLATE = "carts/staff_console.html"
RECENT_EVENTS = 12

MSG_ASSISTING = "You are assisting {name} ({email}). Every change you make is recorded."
MSG_ENDED = "You stopped assisting {name}. Their cart is saved: they will find it when they sign in."
MSG_NOT_ASSISTING = "You are not assisting anyone."
MSG_UNKNOWN_CUSTOMER = "That customer could not be found. Search again."
MSG_CREATED = "Account created for {email}; we emailed them a link to choose a password."
MSG_CREATED_NO_EMAIL = (
    "Account created for {email}, but the email with their set-password link could not be sent. "
    "Send them a share link of their cart instead."
)


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: to the sign-in page and back. Signed in without `carts.assist_customer`: 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(PERM_ASSIST):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapped


def _done(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """After a staff action the whole page changes (the banner, whose cart): a 303 without
    JavaScript, a full navigation with htmx."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect_303(url)


def _refresh_badge(request) -> None:
    """The header badge follows whose cart the session now acts on."""
    try:
        selectors.cart_count(cs=CartSession.of(request))
    except StorefrontError:
        CartSession.of(request).remember_count(0)


@require_safe
@vary_on_headers("HX-Request")
@staff_only
def console(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.FindCustomerForm(request.GET if "q" in request.GET else None)
    matches = assist.customer_find(q=form.cleaned_data["q"]) if form.is_valid() else ()
    current = assist.assisting(request)
    events = ()
    if current is not None:
        events = tuple(
            AssistEvent.objects.filter(
                staff=request.user, customer=current.customer, at__gte=current.state.get("since")
            )[:RECENT_EVENTS]
        )
    context = {
        "form": form,
        "q": form.data.get("q", "") if form.is_bound else "",
        "searched": form.is_bound,
        "matches": matches,
        "events": events,
        "create_form": forms.CreateCustomerForm(),
        "staff_name": assist.prepared_line(*assist.staff_label(request.user)),
        "can_place_order": request.user.has_perm("carts.place_order_on_behalf"),
    }
    if request.htmx and request.htmx.target == "staff-results":
        return render_fragments(request, CONSOLE_TEMPLATE, ("staff-results",), context)
    return render(request, CONSOLE_TEMPLATE, context)


@require_POST
@staff_only
def start_assist(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.AssistForm(request.POST)
    console_url = reverse("staff:console")
    if not form.is_valid():
        messages.error(request, forms.first_error(form)[1])
        return _done(request, console_url)
    customer = get_user_model().objects.filter(pk=form.cleaned_data["customer"]).first()
    if customer is None:
        messages.error(request, MSG_UNKNOWN_CUSTOMER)
        return _done(request, console_url)
    try:
        assist.assist_start(request=request, customer=customer)
    except StorefrontError as exc:
        messages.error(request, exc.user_message)
        return _done(request, console_url)
    _refresh_badge(request)
    messages.success(request, _assisting_message(customer))
    return _done(request, safe_next(request, reverse("carts:cart")))


@require_POST
@staff_only
def end_assist(request: HtmxHttpRequest) -> HttpResponse:
    ended = assist.assist_end(request=request)
    if ended is None:
        messages.info(request, MSG_NOT_ASSISTING)
    else:
        _refresh_badge(request)
        messages.success(request, MSG_ENDED.format(name=ended.customer_name))
    return _done(request, reverse("staff:console"))


@require_POST
@staff_only
def create_customer(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.CreateCustomerForm(request.POST)
    console_url = reverse("staff:console")
    if not form.is_valid():
        messages.error(request, forms.first_error(form)[1])
        return _done(request, console_url)
    data = form.cleaned_data

    def link_for(user) -> str:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        return request.build_absolute_uri(reverse("accounts:set-password", args=[uid, token]))

    try:
        customer, emailed = assist.customer_create(
            request=request, name=data["name"], email=data["email"], phone=data["phone"], link_for=link_for
        )
        assist.assist_start(request=request, customer=customer)
    except StorefrontError as exc:
        messages.error(request, exc.user_message)
        return _done(request, console_url)
    _refresh_badge(request)
    if emailed:
        messages.success(request, MSG_CREATED.format(email=customer.email))
    else:
        messages.warning(request, MSG_CREATED_NO_EMAIL.format(email=customer.email))
    messages.success(request, _assisting_message(customer))
    return _done(request, reverse("carts:cart"))


def _assisting_message(customer) -> str:
    return MSG_ASSISTING.format(name=customer.get_full_name() or customer.email, email=customer.email)


def _assisting_or_back(request) -> assist.Assist | None:
    current = assist.assisting(request)
    if current is None:
        messages.error(request, MSG_NOT_ASSISTING)
    return current


@require_POST
@staff_only
def send_code(request: HtmxHttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("carts:cart"))
    current = _assisting_or_back(request)
    if current is not None:
        try:
            messages.info(request, assist.code_send(assist=current))
        except StorefrontError as exc:
            messages.error(request, exc.user_message)
    return _done(request, back)


@require_POST
@staff_only
def confirm_customer(request: HtmxHttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("carts:cart"))
    current = _assisting_or_back(request)
    if current is not None:
        form = forms.ConfirmCodeForm(request.POST)
        if not form.is_valid():
            messages.error(request, forms.first_error(form)[1])
        else:
            try:
                assist.code_confirm(assist=current, code=form.cleaned_data["code"])
            except StorefrontError as exc:
                messages.error(request, exc.user_message)
            else:
                messages.success(request, assist.MSG_CONFIRMED)
    return _done(request, back)
