"""Request bodies for Fynd's cart APIs (fynd.md §2.3): pure functions of storefront values."""

from __future__ import annotations

from typing import Any

from storefront.providers import readers
from storefront.providers.base import CartContext, Person
from storefront.providers.types import Cart, CartMeta, OrderType


def meta_body(meta: CartMeta, cart_body: dict[str, Any]) -> dict[str, Any]:
    """CartMetaRequest: gstin, comment, checkout_mode, gift_details per article of the cart, the
    pick-up contact, and our own fields in `custom_cart_meta` (Fynd echoes them back)."""
    pickup = meta.order_type == OrderType.PICK_AT_STORE
    payload: dict[str, Any] = {
        "gstin": meta.gstin,
        "comment": meta.comment,
        "checkout_mode": "self",
        "custom_cart_meta": {
            "gift_message": meta.gift_message,
            "business_name": meta.business_name,
            "order_type": meta.order_type.value,
            "pickup_name": meta.pickup_name if pickup else "",
            "pickup_phone": meta.pickup_phone if pickup else "",
        },
    }
    articles = [
        readers.as_str(readers.as_dict(readers.as_dict(i).get("article")).get("uid"))
        for i in readers.as_list(cart_body.get("items"))
    ]
    gift = {
        a: {"is_gift_applied": bool(meta.gift_message), "gift_message": meta.gift_message}
        for a in articles
        if a
    }
    if gift:
        payload["gift_details"] = gift
    if pickup:
        payload["pick_up_customer_details"] = {"name": meta.pickup_name, "mobile": meta.pickup_phone}
    return payload


def staff_body(staff: Person) -> dict[str, str]:
    """StaffCheckout (fynd.md §2.3: `user`, `first_name`, `last_name` and `_id` required,
    `employee_code` optional): the member of our staff acting for the customer, by our user id."""
    first, _, last = (staff.name or staff.email.split("@")[0]).partition(" ")
    return {"user": staff.id, "_id": staff.id, "first_name": first, "last_name": last}


def share_meta(ctx: CartContext) -> dict[str, Any]:
    """GetShareCartLinkRequest `meta` (returned in `shared_cart_details.meta`): where the link
    came from and, when a member of our staff shares a customer's cart, who they are (Fynd copies
    `staff_user_id` to a cart that takes the shared items with its merge/replace action)."""
    meta: dict[str, Any] = {"source": "storefront"}
    if ctx.acting_user is not None:
        meta["staff_user_id"] = ctx.acting_user.id
        meta["staff"] = staff_body(ctx.acting_user)
        meta["staff_name"] = ctx.staff_user
    return meta


def shared_by_staff(shared_cart: dict[str, Any]) -> str:
    """The display name of the member of our staff who shared this cart (share_meta), or ""."""
    details = readers.as_dict(shared_cart.get("shared_cart_details"))
    return readers.as_str(readers.as_dict(details.get("meta")).get("staff_name"))[:150]


def checkout_body(
    cart: Cart, cart_id: str, key: str, payment_mode: str, email: str, *, staff: Person | None = None
) -> dict:
    """CartCheckoutDetailRequest (v1). Our idempotency key rides in `custom_meta` and `meta`
    for tracing; Fynd does not deduplicate on it, the order ledger does. An order a member of
    staff places for the customer names them in `staff` (assisted selling)."""
    body: dict[str, Any] = {
        "id": cart_id,
        "payment_mode": payment_mode,
        "order_type": cart.meta.order_type.value,
        "custom_meta": [{"key": "storefront_idempotency_key", "value": key}],
        "meta": {"storefront_idempotency_key": key},
    }
    shipping = cart.shipping_address
    if cart.meta.order_type == OrderType.HOME_DELIVERY and shipping is not None:
        body["address_id"] = shipping.id
        body["billing_address_id"] = (cart.billing_address or shipping).id
    contact_name = shipping.name if shipping else cart.meta.pickup_name
    contact_phone = shipping.phone if shipping else cart.meta.pickup_phone
    if cart.meta.order_type == OrderType.PICK_AT_STORE:
        contact_name, contact_phone = cart.meta.pickup_name, cart.meta.pickup_phone
    contact = (("name", contact_name), ("email", email), ("mobile", contact_phone))
    customer = {k: v for k, v in contact if v}
    if customer:
        body["customer_details"] = customer
    if staff is not None:
        body["staff"] = staff_body(staff)
    return body
