from __future__ import annotations

import contextlib
import logging
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from carts import selectors as cart_selectors
from carts import services as cart_services
from carts.forms import CheckDeliveryForm
from carts.session import CartSession

from . import degraded, formmemory, seo
from .exceptions import NotFound, ProviderRejected, StorefrontError
from .health import HEALTH_ORDER, provider_health
from .htmx import HtmxHttpRequest, add_error, redirect_303, render_fragments
from .providers.types import SORTS, Capability, ListingRefine
from .validators import query_text, strip_control_chars

logger = logging.getLogger("storefront")

PER_PAGE = 12
SORT_LABELS = {
    "relevance": "Relevance",
    "price-asc": "Price: low to high",
    "price-desc": "Price: high to low",
    "discount": "Discount",
}


MSG_CATALOGUE_REFUSED = (
    "We couldn't load these products just now. Please try again, or browse another category."
)


def _unavailable(request, exc: Exception) -> HttpResponse:
    """A catalogue read that failed: the friendly page with the reason in words for shoppers. A
    refusal of a catalogue read (`ProviderRejected`, a 4xx) is about the request the shop sent, not
    a message for the customer (the provider contract marks those only on a shopper's own actions:
    a coupon, a pincode, a quantity), so the page says our own words and the provider's text goes
    to the log."""
    if isinstance(exc, ProviderRejected):
        logger.warning(
            "catalogue read refused by the provider: status %s, code %s, request id %s",
            exc.upstream_status,
            exc.code,
            exc.request_id,
        )
        exc = StorefrontError(MSG_CATALOGUE_REFUSED)
    status = add_error(request, exc)
    return render(request, "unavailable.html", status=max(status, 503) if status >= 500 else status)


@require_safe
def home(request: HtmxHttpRequest) -> HttpResponse:
    cs = CartSession.of(request)
    try:
        with degraded.stale_allowed() as stale:
            categories = cart_selectors.catalogue_categories(cs=cs)
            featured = cart_selectors.catalogue_featured(cs=cs, limit=8)
    except StorefrontError as exc:
        return _unavailable(request, exc)
    context = {
        "categories": categories,
        "featured": featured,
        "stale_notice": _stale_notice(stale),
        "meta_description": seo.HOME_DESCRIPTION,
    }
    return render(request, "storefront/home.html", context)


def _stale_notice(stale: degraded.StaleUse) -> str:
    """The notice a page served (in part) from stale catalogue copies shows: role="status"."""
    return degraded.MSG_STALE_CATALOGUE if stale.served else ""


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 10_000))
    except ValueError:
        return 1


def _price(raw: str) -> Decimal | None:
    """A price bound typed by the shopper (₹ and commas allowed), whole rupees or paise; else none."""
    text = raw.replace(",", "").replace("₹", "").strip()
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value.quantize(Decimal("0.01")) if value.is_finite() and 0 <= value < 10**9 else None


def _refine(params) -> ListingRefine:
    sort = query_text(params, "sort", 20)
    low, high = _price(query_text(params, "price_min", 20)), _price(query_text(params, "price_max", 20))
    if low is not None and high is not None and low > high:
        low, high = high, low  # "₹2,000 to ₹500" means between the two
    brands = tuple(
        dict.fromkeys(
            b for b in (strip_control_chars(v).strip()[:64] for v in params.getlist("brand")[:20]) if b
        )
    )
    return ListingRefine(
        sort=sort if sort in SORTS else "relevance", price_min=low, price_max=high, brands=brands
    )


def _listing_query(q: str, category: str, refine: ListingRefine) -> str:
    """The listing's query string without the page, for the pagination links."""
    pairs = [("q", q), ("category", category)]
    if refine.sort != "relevance":
        pairs.append(("sort", refine.sort))
    for key, value in (("price_min", refine.price_min), ("price_max", refine.price_max)):
        if value is not None:
            pairs.append((key, format(value.normalize(), "f")))
    pairs += [("brand", b) for b in refine.brands]
    return urlencode([(k, v) for k, v in pairs if v])


@require_safe
@vary_on_headers("HX-Request")
def product_list(request: HtmxHttpRequest) -> HttpResponse:
    q = query_text(request.GET, "q", 100)
    category = query_text(request.GET, "category", 64)
    refine = _refine(request.GET)
    cs = CartSession.of(request)
    try:
        with degraded.stale_allowed() as stale:
            categories = cart_selectors.catalogue_categories(cs=cs)
            page = cart_selectors.catalogue_page(
                cs=cs,
                q=q,
                category=category,
                page=_page_number(request.GET.get("page")),
                per_page=PER_PAGE,
                refine=refine,
            )
    except StorefrontError as exc:
        return _unavailable(request, exc)
    context = {
        "refine": refine,
        "sorts": SORT_LABELS,
        "listing_query": _listing_query(q, category, refine),
        "q": q,
        "site_q": q,  # the header search box keeps the product search term (and only that)
        "category": category,
        "category_name": next((c.name for c in categories if c.slug == category), ""),
        "categories": categories,
        "page": page,
        "stale_notice": _stale_notice(stale),
    }
    context["meta_description"] = seo.listing_description(
        total=page.total, q=q, category_name=context["category_name"]
    )
    template = "storefront/product_list.html"
    if request.htmx and request.htmx.target == "product-results":
        template += "#product-results"
    return render(request, template, context)


def _chosen_size(product, raw: str | None):
    """The size the page shows as chosen: the one the shopper picked (kept across a delivery check
    without JavaScript), else the only size in stock. With more than one size in stock nothing is
    preselected: the shopper must choose (issue 9, point 8)."""
    available = [v for v in product.variants if v.in_stock]
    picked = next((v for v in available if raw and v.id == raw), None)
    if picked is not None:
        return picked
    return available[0] if len(available) == 1 else None


def _chosen_quantity(product, raw: str | None) -> int:
    rule = product.quantity_rule
    try:
        quantity = int(raw or "")
    except ValueError:
        return rule.minimum
    return quantity if rule.minimum <= quantity <= rule.maximum else rule.minimum


@require_POST
def product_check_delivery(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Check delivery pressed inside the add-to-cart form without JavaScript: the form carries the
    chosen size and quantity with the pincode, so the page comes back (303) with all three kept."""
    params = {
        key: query_text(request.POST, key, 64)
        for key in ("pincode", "size", "quantity")
        if request.POST.get(key, "").strip()
    }
    url = reverse("product-detail", args=[slug])
    return redirect_303(f"{url}?{urlencode(params)}#delivery-check" if params else url)


@require_safe
@vary_on_headers("HX-Request")
def product_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    cs = CartSession.of(request)
    try:
        with degraded.stale_allowed() as stale:
            product = cart_selectors.catalogue_product(cs=cs, slug=slug)
    except NotFound as exc:
        raise Http404(exc.user_message) from exc
    except StorefrontError as exc:
        return _unavailable(request, exc)
    check = None
    delivery_error = ""
    # the pincode asked about, else the one the shopper checked before (on any page): its
    # delivery date shows without pressing Check again
    asked = "pincode" in request.GET
    checks = Capability.DELIVERY_PROMISE in cs.provider.capabilities
    known = {"pincode": cs.pincode} if cs.pincode and checks and not asked else None
    form = CheckDeliveryForm(request.GET if asked else known)
    if form.is_bound:
        if form.is_valid():
            try:
                check = cart_services.cart_check_delivery(
                    cs=cs, pincode=form.cleaned_data["pincode"], product_slug=product.slug
                )
            except StorefrontError as exc:
                delivery_error = exc.user_message
        else:
            delivery_error = form.errors["pincode"][0]
    # an add without a size, refused before the 303 back here (no JavaScript): said in the sizes
    size_error, kept = formmemory.recall(request, formmemory.ADD_SIZE) if not request.htmx else ("", {})
    if size_error and not product.has_sizes:  # no sizes to say it beside (sizes changed meanwhile)
        messages.error(request, size_error)
    context = {
        "product": product,
        "check": check,
        "delivery_error": delivery_error,
        "pincode": form.data.get("pincode", cs.pincode) if form.is_bound else cs.pincode,
        "default_variant": _chosen_size(product, request.GET.get("size")),
        "chosen_quantity": _chosen_quantity(product, request.GET.get("quantity") or kept.get("quantity")),
        "size_error": size_error if product.has_sizes else "",
        "stale_notice": _stale_notice(stale),
        "access": _buyer_access(cs),
    }
    if not request.htmx:
        context["seo"] = seo.product_meta(request, product)
        if not product.in_stock:  # not a dead end: similar products in stock
            with contextlib.suppress(StorefrontError), degraded.stale_allowed():
                context["similar"] = cart_selectors.catalogue_similar(cs=cs, product=product)
        context["meta_description"] = context["seo"]["description"]
    template = "storefront/product_detail.html"
    if request.htmx and request.htmx.target == "delivery-check" and product.in_stock:
        # the buy buttons follow the answer: not offered where the product cannot be delivered
        return render_fragments(
            request, template, ("delivery-check", "buy-buttons"), context, with_messages=False
        )
    if request.htmx and request.htmx.target == "delivery-check":
        template += "#delivery-check"
    return render(request, template, context)


def _buyer_access(cs: CartSession):
    """Whether this shopper may add to a cart, for a provider that sells only to buyers it knows
    (None for the others); a provider that cannot tell right now leaves the form in place (adding
    then says why)."""
    try:
        return cart_selectors.buyer_access(cs=cs)
    except StorefrontError:
        return None


@never_cache
@require_safe
def healthz(request) -> JsonResponse:
    """The app and its database, and apart from them each active provider's state from its circuit
    breaker (storefront.breaker; no upstream call is made): ok, degraded (failing, or its
    cool-down is over and the next call probes it) or down (open: calls fail fast). 200 while the
    app and the database serve, whatever the providers say; 503 when the database is unreachable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "app": "ok", "database": "unreachable"}, status=503)
    try:
        providers = provider_health()
    except DatabaseError:  # e.g. a database not migrated yet: the app answers, providers unknown
        logger.exception("healthz: the provider accounts could not be read")
        return JsonResponse({"status": "degraded", "app": "ok", "database": "ok", "providers": "unreadable"})
    worst = max((p["state"] for p in providers.values()), key=HEALTH_ORDER.index, default="ok")
    return JsonResponse({"status": worst, "app": "ok", "database": "ok", "providers": providers})
