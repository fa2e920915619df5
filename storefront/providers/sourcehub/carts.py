"""SourceHub carts: one per SourceHub customer (`customer_id`), read and changed through the
documented cart calls; the business details for the invoice (GSTIN) kept by the storefront.

Lines are cart items (`items[].id`); a line's "size" is its pricing set (pack). Switching a line
to another pack is two calls, since SourceHub has no call for it: add the new pack first, then
set the old line to 0, so a failure in between leaves both lines (nothing is lost) rather than
neither. The last cart body of each customer is cached (CART_CACHE_SECONDS) only to know which
product and pack a line is when switching; every page view reads the cart fresh.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from django.core.cache import cache

from storefront import ledger
from storefront.exceptions import NotFound, ProviderRejected
from storefront.models import OrderAttempt
from storefront.providers import readers
from storefront.providers.base import CartContext, MergeResult, Role
from storefront.providers.messages import MSG_SIZE_NOT_FOR_PRODUCT, MSG_UNKNOWN_LINE, MSG_UNKNOWN_PRODUCT
from storefront.providers.rules import quantity_problem
from storefront.providers.types import BreakupRow, Cart, CartMeta, Message, MessageLevel, Store

from . import mapping
from .buyers import SourceHubBuyers
from .catalogue import SourceHubCatalogue

logger = logging.getLogger("storefront.providers.sourcehub")

CART_CACHE_SECONDS = 5 * 60
MSG_CHOOSE_PACK = "Choose a pack first."
MSG_NOT_ADDED = "We couldn't add that pack to your cart. Please try again."
MSG_NOT_UPDATED = "We couldn't change that item. Please try again."
MSG_ORDER_CHECKING = (
    "We are still checking with SourceHub whether your last order went through, so your cart "
    "can't change just now. Please look at your orders in a minute."
)
MSG_META_SAVED_NOTE = "Your GSTIN and business name go on the invoice of this order."


class SourceHubCarts(SourceHubBuyers, SourceHubCatalogue):
    # ------------------------------------------------------------------ reading
    def _body(self, customer_id: str) -> dict:
        body = readers.as_dict(self.client.cart(customer_id))
        cache.set(self._key("cart", customer_id), body, CART_CACHE_SECONDS)
        return body

    def _keep(self, customer_id: str, body) -> dict:
        body = readers.as_dict(body)
        cache.set(self._key("cart", customer_id), body, CART_CACHE_SECONDS)
        return body

    def _to_cart(self, body: dict, ctx: CartContext, customer_id: str) -> Cart:
        access = self.buyer_access(ctx)
        record = self.buyer_record(ctx.customer, external_id=customer_id) if ctx.customer else None
        cart = self._map(
            mapping.cart,
            body,
            cart_id=customer_id,
            capabilities=self.capabilities,
            catalogue=self.catalogue_index(),
            meta=self._meta(customer_id, record),
            address=record.address if record else None,
            checkout_blocked="" if access.can_order else access.message,
        )
        if access.message:
            cart = replace(cart, messages=(Message(access.message, MessageLevel.WARNING),))
        return cart

    def _no_cart(self, ctx: CartContext) -> Cart:
        """What a shopper without a SourceHub customer sees: an empty cart and how to get one."""
        access = self.buyer_access(ctx)
        zero = mapping.ZERO
        return Cart(
            id="",
            lines=(),
            breakup=(
                BreakupRow("subtotal", mapping.LABEL_CART_TOTAL, zero),
                BreakupRow("total", mapping.LABEL_BILLABLE, zero),
            ),
            count=0,
            capabilities=self.capabilities,
            messages=(Message(access.message, MessageLevel.INFO),) if access.message else (),
            checkout_blocked=access.message,
            packs=0,
            units=0,
        )

    def get_cart(self, ctx: CartContext) -> Cart:
        customer_id = self._customer_id(ctx)
        if customer_id is None:
            return self._no_cart(ctx)
        return self._to_cart(self._body(customer_id), ctx, customer_id)

    def cart_count(self, ctx: CartContext) -> int:
        customer_id = self._customer_id(ctx)
        if customer_id is None:
            return 0
        body = self._body(customer_id)
        return readers.as_int(body.get("cart_item_count"), len(readers.as_list(body.get("items"))))

    # ------------------------------------------------------------------ writing
    def _writable(self, ctx: CartContext) -> str:
        customer_id = self._customer_id(ctx, adding=True)
        if customer_id is None:  # buyer_access let them add, so they have one
            raise ProviderRejected(MSG_NOT_ADDED)
        self._settle_unknown(customer_id)
        return customer_id

    def _settle_unknown(self, customer_id: str) -> None:
        """An order whose answer was lost is settled before the cart may change (its cart is the
        evidence: an emptied cart means SourceHub took the order)."""
        unknown = OrderAttempt.objects.filter(
            account=self.account, role=Role.SHOP, cart_id=customer_id, state=OrderAttempt.State.UNKNOWN
        )
        for attempt in unknown[:3]:
            ledger.reconcile_attempt(attempt, self.reconcile_order)
        if unknown.exists():
            raise ProviderRejected(MSG_ORDER_CHECKING)

    def _pack_for(self, product_id: str, variant_id: str | None) -> str:
        product = self._product_by_id(product_id)
        if variant_id is None:
            if len(product.variants) != 1:
                raise ProviderRejected(MSG_CHOOSE_PACK, field="size")
            return product.variants[0].id
        if not any(v.id == variant_id for v in product.variants):
            raise ProviderRejected(MSG_SIZE_NOT_FOR_PRODUCT, field="size")
        return variant_id

    @staticmethod
    def _check_quantity(quantity: int) -> None:
        problem = quantity_problem(mapping.QUANTITY_RULE, quantity)
        if problem:
            raise ProviderRejected(problem, field="quantity")

    def add_item(self, ctx: CartContext, *, product_id: str, variant_id: str | None, quantity: int) -> Cart:
        self._check_quantity(quantity)
        customer_id = self._writable(ctx)
        pack = self._pack_for(product_id, variant_id)
        try:
            body = self.client.add_item(
                customer_id, product_id=product_id, pricing_id=pack, quantity=quantity
            )
        except NotFound as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT) from exc
        except ProviderRejected as exc:
            logger.warning("SourceHub refused add-item for customer %s: %s", customer_id, exc.user_message)
            raise ProviderRejected(MSG_NOT_ADDED) from exc
        return self._to_cart(self._keep(customer_id, body), ctx, customer_id)

    def _item(self, customer_id: str, line_id: str) -> dict | None:
        """The cart item `line_id` from the cached cart body, else a fresh one; None when gone."""
        for fresh in (False, True):
            body = (
                self._body(customer_id)
                if fresh
                else readers.as_dict(cache.get(self._key("cart", customer_id)))
            )
            item = next(
                (
                    readers.as_dict(i)
                    for i in readers.as_list(body.get("items"))
                    if readers.as_str(readers.as_dict(i).get("id")) == line_id
                ),
                None,
            )
            if item is not None:
                return item
        return None

    def _set_quantity(self, customer_id: str, line_id: str, quantity: int) -> dict:
        try:
            return self._keep(
                customer_id, self.client.update_item(customer_id, item_id=line_id, quantity=quantity)
            )
        except ProviderRejected as exc:
            # 400 is a validation error and a not-found alike: the cart tells which
            if self._item(customer_id, line_id) is None:
                raise NotFound(MSG_UNKNOWN_LINE) from exc
            logger.warning("SourceHub refused update-item for customer %s: %s", customer_id, exc.user_message)
            raise ProviderRejected(MSG_NOT_UPDATED) from exc

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart:
        if quantity != 0:
            self._check_quantity(quantity)
        customer_id = self._writable(ctx)
        if variant_id:
            item = self._item(customer_id, line_id)
            if item is None:
                raise NotFound(MSG_UNKNOWN_LINE)
            raw = readers.as_dict(item.get("product"))
            current = readers.as_str(readers.as_dict(raw.get("productpricing")).get("id"))
            if variant_id != current and quantity > 0:
                product_id = readers.as_str(raw.get("id"))
                pack = self._pack_for(product_id, variant_id)
                try:
                    self.client.add_item(
                        customer_id, product_id=product_id, pricing_id=pack, quantity=quantity
                    )
                except ProviderRejected as exc:
                    raise ProviderRejected(MSG_NOT_UPDATED) from exc
                return self._to_cart(self._set_quantity(customer_id, line_id, 0), ctx, customer_id)
        return self._to_cart(self._set_quantity(customer_id, line_id, quantity), ctx, customer_id)

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart:
        customer_id = self._writable(ctx)
        return self._to_cart(self._set_quantity(customer_id, line_id, 0), ctx, customer_id)

    def clear_cart(self, ctx: CartContext) -> Cart:
        """SourceHub has no clear call: each line is set to 0 (one POST per line)."""
        customer_id = self._customer_id(ctx)
        if customer_id is None:
            return self._no_cart(ctx)
        self._settle_unknown(customer_id)
        body = self._body(customer_id)
        for item in readers.as_list(body.get("items")):
            line_id = readers.as_str(readers.as_dict(item).get("id"))
            body = self._set_quantity(customer_id, line_id, 0)
        return self._to_cart(body, ctx, customer_id)

    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult:
        """Nothing to merge: a shopper who is not signed in cannot fill a SourceHub cart."""
        return MergeResult(cart=self.get_cart(target), merged_lines=0)

    def sign_out(self, ctx: CartContext) -> None:
        return None  # SourceHub keeps no session for the shopper

    # ------------------------------------------------------------------ business details (CART_META)
    def _meta(self, customer_id: str, record: mapping.Buyer | None) -> CartMeta:
        from carts.models import BusinessDetails

        saved = BusinessDetails.objects.filter(account=self.account, customer_ref=customer_id).first()
        if saved is not None:
            return CartMeta(gstin=saved.gstin, business_name=saved.business_name, comment=saved.comment)
        # prefilled from the SourceHub customer record until the buyer saves their own
        return CartMeta(gstin=record.gstin if record else "", business_name=record.company if record else "")

    def list_stores(self) -> tuple[Store, ...]:
        return ()  # delivery to the registered business address only: no pick-up

    def update_meta(self, ctx: CartContext, *, meta: CartMeta, pickup_store_id: str | None = None) -> Cart:
        """The GSTIN, business name and note, kept by the storefront (SourceHub has no meta call);
        the form validated the GSTIN's format and check digit."""
        from carts.models import BusinessDetails

        customer_id = self._writable(ctx)
        BusinessDetails.objects.update_or_create(
            account=self.account,
            customer_ref=customer_id,
            defaults={
                "gstin": meta.gstin.upper(),
                "business_name": meta.business_name,
                "comment": meta.comment,
            },
        )
        return self.get_cart(ctx)
