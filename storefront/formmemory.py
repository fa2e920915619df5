"""A refused form keeps what the shopper typed, with the error beside its field (issue 9, point 13):
the coupon code and the gift-card number (never its pin).

With htmx the answer is rendered from the POST itself; without JavaScript the 303 back to the page
carries them in the session once, and the page shows them (then forgets them)."""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "storefront:kept-form"
# the fields each form gives back after a refusal; a pin or password is never one of them
# An add to cart without a size keeps the quantity; its message goes into the size fieldset.
ADD_SIZE = "add-to-cart:size"
KEPT_FIELDS = {"apply-coupon": ("code",), "apply-gift-card": ("code",), ADD_SIZE: ("quantity",)}
MAX_KEPT = 64


def _values(data, key: str) -> dict[str, str]:
    return {name: str(data.get(name, ""))[:MAX_KEPT] for name in KEPT_FIELDS.get(key, ())}


def keep(request: HttpRequest, key: str, error: str) -> bool:
    """Hold the refusal of form `key` for the page the 303 leads to; False when the form keeps
    nothing (its error goes to the messages as before)."""
    if key not in KEPT_FIELDS or not hasattr(request, "session"):
        return False
    request.session[SESSION_KEY] = {"key": key, "error": error, "values": _values(request.POST, key)}
    return True


def recall(request: HttpRequest | None, key: str, errors: dict | None = None) -> tuple[str, dict[str, str]]:
    """(error, typed values) for form `key`: from this htmx answer (the view's `errors` and the
    POST), or once from the redirect before it."""
    if request is None:
        return "", {}
    if request.method == "POST":
        error = (errors or {}).get(key, "")
        return (error, _values(request.POST, key)) if error else ("", {})
    held = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if held and held.get("key") == key:
        del request.session[SESSION_KEY]
        return held.get("error", ""), held.get("values", {})
    return "", {}
