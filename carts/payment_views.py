"""Hosted payment (Capability.HOSTED_PAYMENT): the page the provider's payment page sends the
shopper back to, and trying a failed payment again. One view per page or action."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from storefront.exceptions import CapabilityMissing, NotFound, StorefrontError
from storefront.htmx import HtmxHttpRequest, add_error, redirect_303

from . import selectors, services
from .session import CartSession
from .views import _unavailable

MSG_PAID = "Payment received. Your order {number} is confirmed."
MSG_PENDING = "We're waiting for the payment to be confirmed. This page checks again when you reload it."
MSG_FAILED = "The payment didn't go through. Nothing was charged for this order yet."


def _payment_url(order_id: str, guest_token: str) -> str:
    url = reverse("order-payment", args=[order_id])
    return url + (f"?t={guest_token}" if guest_token else "")


@never_cache
@require_safe
def payment_return(request: HtmxHttpRequest, order_id: str) -> HttpResponse:
    """Where the hosted payment page sends the shopper back: paid, pending (reload to check
    again) or failed (with a retry when the provider allows one)."""
    guest_token = request.GET.get("t", "")
    cs = CartSession.of(request)
    try:
        status = selectors.order_payment_status(cs=cs, order_id=order_id, guest_token=guest_token)
    except (NotFound, CapabilityMissing) as exc:
        raise Http404(exc.user_message) from exc
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    texts = {"paid": MSG_PAID.format(number=status.order_id), "pending": MSG_PENDING, "failed": MSG_FAILED}
    context = {
        "status": status,
        "text": texts.get(status.state, MSG_PENDING),
        "order_url": reverse("order-detail", args=[status.order_id])
        + (f"?t={status.guest_token}" if status.guest_token else ""),
        "check_url": _payment_url(status.order_id, status.guest_token),
    }
    return render(request, "carts/payment_return.html", context)


@require_POST
def retry_payment(request: HtmxHttpRequest, order_id: str) -> HttpResponse:
    guest_token = request.POST.get("t", "")
    cs = CartSession.of(request)
    try:
        url = services.order_retry_payment(cs=cs, order_id=order_id, guest_token=guest_token)
    except (NotFound, CapabilityMissing) as exc:
        raise Http404(exc.user_message) from exc
    except StorefrontError as exc:
        if add_error(request, exc) >= 500:
            return _unavailable(request)
        return redirect_303(_payment_url(order_id, guest_token))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect_303(url)
