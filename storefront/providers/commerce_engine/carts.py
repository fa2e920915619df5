"""Commerce Engine carts: reads, line writes (quantity rules and stock checked before anything is
sent), clearing, an expired cart replaced, the sign-in merge and sign-out.

One active cart per Commerce Engine user (contract §4). Its id is `CartContext.cart_id` (kept in
the Django session); without one, the user's active cart is `GET /carts/users/{user_id}` (how a
customer's cart follows them to another browser). `POST /carts/{id}/items` sets one line's
quantity (0 removes it). Every answer carries the whole cart; the last one is cached for
CART_CACHE_SECONDS so a change can check quantities without reading the cart first, and its paid
lines are remembered (REMEMBER_SECONDS) so a cart that expired (`expires_at` passed, `active`
false, or a 404 for the id we hold) is re-created with them and the shopper is told.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from storefront.exceptions import NotFound, ProviderRejected
from storefront.providers import readers, rules
from storefront.providers.base import CartContext, MergeResult
from storefront.providers.messages import (
    MSG_CHOOSE_SIZE,
    MSG_PRODUCT_OUT_OF_STOCK,
    MSG_UNKNOWN_LINE,
    MSG_UNKNOWN_PRODUCT,
)
from storefront.providers.types import Cart, LoyaltySummary, Message, MessageLevel

from . import mapping as cm
from .catalogue import CommerceEngineCatalogue
from .common import Shopper, logger
from .tokens import LinkTokens, SessionTokens

CART_CACHE_SECONDS = 5 * 60
REMEMBER_SECONDS = 30 * 24 * 3600
LOYALTY_CACHE_SECONDS = 60

MSG_CART_EXPIRED = (
    "Your cart had expired, so we started a new one with the same items. Please check the prices."
)
MSG_CART_EXPIRED_EMPTY = "Your cart had expired. Its items are no longer held for you."
MSG_FREE_LINE_FIXED = "This item comes free with an offer, so its quantity follows the offer."
MSG_LINE_STOCK = "This item is out of stock. You can remove it, but not add more."


class CommerceEngineCarts(CommerceEngineCatalogue):
    # ================================================================== cache and memory
    def _body_key(self, cart_id: str) -> str:
        return f"{self._ns}:cart:{cart_id}"

    def _ordered_key(self, cart_id: str) -> str:
        return f"{self._ns}:ordered:{cart_id}"

    def _lines_key(self, cart_id: str) -> str:
        return f"{self._ns}:lines:{cart_id}"

    def _keep(self, body: dict[str, Any]) -> dict[str, Any]:
        cart_id = readers.as_str(body.get("id"))
        if cart_id:
            cache.set(self._body_key(cart_id), body, CART_CACHE_SECONDS)
            items = cm.remembered_items(body)
            if items:
                cache.set(self._lines_key(cart_id), items, REMEMBER_SECONDS)
        return body

    def _forget(self, cart_id: str | None) -> None:
        if cart_id:
            cache.delete_many([self._body_key(cart_id), self._lines_key(cart_id)])

    @staticmethod
    def _cart_of(answer: dict[str, Any]) -> dict[str, Any]:
        """`content.cart`; the older remove-gift-card answer has the cart fields directly."""
        cart = readers.as_dict(answer.get("cart"))
        if not cart and "cart_items" in answer:
            cart = answer
        return cart

    @staticmethod
    def _expired(body: dict[str, Any]) -> bool:
        if body.get("active") is False:
            return True
        ends = cm.expires_at(body)
        return ends is not None and ends <= timezone.now()

    # ================================================================== reads
    def _fetch(self, ctx: CartContext, shopper: Shopper) -> tuple[dict[str, Any] | None, bool]:
        """(the shopper's live cart or None, whether the cart we held had expired)."""
        cart_id = None if shopper.renewed else ctx.cart_id
        try:
            if cart_id:
                body = self._cart_of(self.client.cart(shopper.auth, cart_id))
            elif shopper.user_id and not shopper.fresh:
                body = self._cart_of(self.client.user_cart(shopper.auth, shopper.user_id))
            else:
                body = None
        except NotFound:
            body = None
        if body is not None and self._expired(body):
            body = None
        if body is not None:
            return self._keep(body), False
        if cart_id and cache.get(self._ordered_key(cart_id)):
            return None, False  # ordered: Commerce Engine closed it, nothing expired
        return None, bool(cart_id) or shopper.renewed

    def _live(self, ctx: CartContext, shopper: Shopper) -> tuple[dict[str, Any] | None, tuple[Message, ...]]:
        """The live cart; an expired one is re-created from its remembered lines (one POST), and
        the shopper told."""
        body, expired = self._fetch(ctx, shopper)
        if body is not None or not expired:
            return body, ()
        items = cache.get(self._lines_key(ctx.cart_id)) if ctx.cart_id else None
        self._forget(ctx.cart_id)
        if not items:
            return None, (Message(MSG_CART_EXPIRED_EMPTY, MessageLevel.WARNING),) if ctx.cart_id else ()
        try:
            body = self._keep(self._cart_of(self.client.create_cart(shopper.auth, items)))
        except ProviderRejected:
            return None, (Message(MSG_CART_EXPIRED_EMPTY, MessageLevel.WARNING),)
        logger.info("Commerce Engine cart %s had expired; re-created as %s", ctx.cart_id, body.get("id"))
        return body, (Message(MSG_CART_EXPIRED, MessageLevel.WARNING),)

    def _loyalty(self, shopper: Shopper | None) -> LoyaltySummary | None:
        """A signed-in Commerce Engine customer's points (GET …/loyalty, cached a minute)."""
        if shopper is None or not shopper.customer_id:
            return None
        key = f"{self._ns}:loyalty:{shopper.customer_id}"
        balance = cache.get(key)
        if balance is None:
            try:
                balance = self._map(cm.points_balance, self.client.loyalty(shopper.auth, shopper.customer_id))
            except (NotFound, ProviderRejected):
                balance = 0
            cache.set(key, balance, LOYALTY_CACHE_SECONDS)
        return LoyaltySummary(balance=balance, applicable=balance, applied=0, point_value=self.point_value)

    def _to_cart(
        self, body: dict[str, Any] | None, ctx: CartContext, shopper: Shopper | None, messages=()
    ) -> Cart:
        return self._map(
            cm.map_cart,
            body if body is not None else cm.empty_cart_body(),
            capabilities=self.capabilities,
            loyalty=self._loyalty(shopper) if body is not None else None,
            messages=tuple(messages),
            buy_now=ctx.buy_now,
            credit_allowed=bool(shopper and shopper.customer_id),  # a Commerce Engine customer's
        )

    def get_cart(self, ctx: CartContext) -> Cart:
        def read(shopper: Shopper) -> Cart:
            body, messages = self._live(ctx, shopper)
            return self._to_cart(body, ctx, shopper, messages)

        cart = self._as(ctx, read, create=False)
        return cart if cart is not None else self._to_cart(None, ctx, None)

    def cart_count(self, ctx: CartContext) -> int:
        return self.get_cart(ctx).count

    def _body(self, ctx: CartContext, shopper: Shopper) -> dict[str, Any] | None:
        """The cart to check a change against: the last answer (no call), else a read."""
        if ctx.cart_id and not shopper.renewed:
            cached = cache.get(self._body_key(ctx.cart_id))
            if cached is not None:
                return cached
        return self._live(ctx, shopper)[0]

    # ================================================================== line writes
    def _check_new_item(
        self, product_id: str, variant_id: str | None, quantity: int
    ) -> tuple[str, str | None, Any]:
        """The product (from the cached catalogue) for an add: its variant and quantity rule."""
        if quantity < 1:
            raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
        try:
            product = self.get_product(str(product_id))
        except NotFound as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT, field="product") from exc
        if variant_id in (None, "", product.id):
            if product.has_sizes:
                raise ProviderRejected(MSG_CHOOSE_SIZE, field="size")
            variant, upstream_variant = product.variants[0], None
        else:
            variant = next((v for v in product.variants if v.id == str(variant_id)), None)
            if variant is None:
                raise NotFound(MSG_UNKNOWN_PRODUCT, field="size")
            upstream_variant = variant.id
        if not variant.in_stock:
            raise ProviderRejected(MSG_PRODUCT_OUT_OF_STOCK, field="quantity")
        return product.id, upstream_variant, product.quantity_rule

    def add_item(self, ctx: CartContext, *, product_id: str, variant_id: str | None, quantity: int) -> Cart:
        pid, vid, rule = self._check_new_item(product_id, variant_id, quantity)
        if self._as_shopper(self._store(ctx)) is None:  # no Commerce Engine user yet: no cart either
            problem = rules.quantity_problem(rule, quantity)
            if problem:
                raise ProviderRejected(problem, field="quantity")

        def add(shopper: Shopper) -> Cart:
            body = self._body(ctx, shopper)
            existing = cm.find_item(body, f"{pid}:{vid or ''}") if body else None
            total = quantity + (readers.as_int(existing.get("quantity")) if existing else 0)
            problem = rules.quantity_problem(rule, total)
            if problem:
                raise ProviderRejected(problem, field="quantity")
            return self._set_quantity(ctx, shopper, body, pid, vid, total)

        return self._as(ctx, add)

    def _set_quantity(
        self, ctx: CartContext, shopper: Shopper, body: dict | None, pid: str, vid: str | None, quantity: int
    ) -> Cart:
        """One line at `quantity`: POST /carts/{id}/items, or POST /carts when there is no cart
        (or the cart we held is gone: then its remembered lines come along)."""
        messages: tuple[Message, ...] = ()
        item = {"product_id": pid, "variant_id": vid, "quantity": quantity}
        cart_id = readers.as_str(body.get("id")) if body else ""
        answer = None
        if cart_id:
            try:
                answer = self.client.set_item(
                    shopper.auth, cart_id, product_id=pid, variant_id=vid, quantity=quantity
                )
            except NotFound:
                logger.info("Commerce Engine cart %s is gone; starting a new one", cart_id)
                self._forget(cart_id)
                messages = (Message(MSG_CART_EXPIRED_EMPTY, MessageLevel.WARNING),)
        if answer is None:
            if quantity == 0:
                return self._to_cart(None, ctx, shopper, messages)
            answer = self.client.create_cart(shopper.auth, [item])
        return self._to_cart(self._keep(self._cart_of(answer)), ctx, shopper, messages)

    def _line(self, ctx: CartContext, shopper: Shopper, line_id: str) -> tuple[dict, dict]:
        body = self._body(ctx, shopper)
        item = cm.find_item(body, line_id) if body else None
        if item is None and body is not None and ctx.cart_id:  # the cached copy may be behind
            body = self._live(ctx, shopper)[0]
            item = cm.find_item(body, line_id) if body else None
        if item is None or body is None:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        return body, item

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart:
        if quantity < 1:
            raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")

        def update(shopper: Shopper) -> Cart:
            body, item = self._line(ctx, shopper, line_id)
            if item.get("is_free_item") is True:
                raise ProviderRejected(MSG_FREE_LINE_FIXED, field="quantity")
            problem = rules.quantity_problem(cm.map_quantity_rule(item), quantity)
            if problem:
                raise ProviderRejected(problem, field="quantity")
            if item.get("stock_available") is False and quantity > readers.as_int(item.get("quantity")):
                raise ProviderRejected(MSG_LINE_STOCK, field="quantity")
            pid, vid = cm.item_ref(item)
            return self._set_quantity(ctx, shopper, body, pid, vid, quantity)

        return self._as(ctx, update, create=False) or self._no_line()

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart:
        def remove(shopper: Shopper) -> Cart:
            body, item = self._line(ctx, shopper, line_id)
            if item.get("is_free_item") is True:
                raise ProviderRejected(MSG_FREE_LINE_FIXED, field="quantity")
            pid, vid = cm.item_ref(item)
            return self._set_quantity(ctx, shopper, body, pid, vid, 0)

        return self._as(ctx, remove, create=False) or self._no_line()

    @staticmethod
    def _no_line() -> Cart:
        raise NotFound(MSG_UNKNOWN_LINE, field="line")

    def clear_cart(self, ctx: CartContext) -> Cart:
        """DELETE /carts/{id} (removes every item)."""

        def clear(shopper: Shopper) -> Cart:
            body = self._body(ctx, shopper)
            cart_id = readers.as_str(body.get("id")) if body else ""
            if cart_id:
                with contextlib.suppress(NotFound):
                    self.client.delete_cart(shopper.auth, cart_id)
                self._forget(cart_id)
            return self._to_cart(None, ctx, shopper)

        return self._as(ctx, clear, create=False) or self._to_cart(None, ctx, None)

    # ================================================================== sign-in and sign-out
    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult:
        """At every sign-in (shopper links): the customer's Commerce Engine user goes on their
        shopper link. An OTP sign-in's new tokens (kept in the session by `otp_verify`) become
        it; a customer with none yet takes the guest's anonymous user, cart and all (nothing
        sent); otherwise the guest cart's paid lines join the customer's cart (contract §1.3:
        their cart by user id, re-created with the lines when they have none)."""
        session = target.session if target.session is not None else source.session
        pending = SessionTokens(session, self.signed_in_key)
        guest = SessionTokens(session, self.session_key)
        link = LinkTokens(target.customer.id, self.account) if target.customer else None
        if link is None:
            return MergeResult(cart=self.get_cart(target), merged_lines=0)
        signed_in, guest_blob = pending.read(), guest.read()
        pending.clear()
        guest.clear()
        if signed_in:
            link.write(signed_in)
        elif not link.read().get("access_token") and guest_blob.get("access_token"):
            link.write(guest_blob)  # the guest's Commerce Engine user becomes the customer's
            return MergeResult(cart=self.get_cart(replace(target, cart_id=source.cart_id)), merged_lines=0)
        if not guest_blob.get("access_token") or not source.cart_id:
            return MergeResult(cart=self.get_cart(replace(target, cart_id=None)), merged_lines=0)
        return self._merge_lines(source, guest_blob, replace(target, cart_id=None))

    def _merge_lines(self, source: CartContext, guest_blob: dict, target: CartContext) -> MergeResult:
        store = SessionTokens({}, "guest")  # the guest's user, read once more before it is dropped
        store.write(guest_blob)
        guest = self._as_shopper(store)
        try:
            anon = self._cart_of(self.client.cart(guest.auth, source.cart_id)) if guest else {}
        except (NotFound, ProviderRejected):
            anon = {}
        except Exception:  # noqa: BLE001 - the guest session is gone: nothing to merge
            logger.info("the guest's Commerce Engine cart could not be read at sign-in")
            anon = {}
        items = cm.remembered_items(anon) if anon and not self._expired(anon) else []

        def merge(shopper: Shopper) -> MergeResult:
            body = self._live(target, shopper)[0]
            if body is not None and readers.as_str(body.get("id")) == source.cart_id:
                return MergeResult(cart=self._to_cart(body, target, shopper), merged_lines=0)  # carried over
            if body is None:
                if not items:
                    return MergeResult(cart=self._to_cart(None, target, shopper), merged_lines=0)
                answer = self.client.create_cart(shopper.auth, items)
                return MergeResult(
                    cart=self._to_cart(self._keep(self._cart_of(answer)), target, shopper),
                    merged_lines=len(items),
                )
            merged, adjusted = 0, []
            for item in items:
                have = cm.find_item(body, f"{item['product_id']}:{item['variant_id'] or ''}")
                wanted = item["quantity"] + (readers.as_int(have.get("quantity")) if have else 0)
                rule = cm.map_quantity_rule(have or {})
                if have and wanted > rule.maximum:
                    wanted = rule.maximum
                    adjusted.append(f"{readers.as_str(have.get('product_name'))} kept at {wanted}")
                try:
                    answer = self.client.set_item(
                        shopper.auth,
                        body["id"],
                        product_id=item["product_id"],
                        variant_id=item["variant_id"],
                        quantity=wanted,
                    )
                except ProviderRejected as exc:
                    adjusted.append(exc.user_message)
                    continue
                body = self._keep(self._cart_of(answer))
                merged += 1
            return MergeResult(
                cart=self._to_cart(body, target, shopper), merged_lines=merged, adjusted=tuple(adjusted)
            )

        return self._as(target, merge)

    def sign_out(self, ctx: CartContext) -> None:
        """A customer signed in by OTP is logged out upstream (`POST /auth/logout`) and their
        tokens forgotten; a customer on an anonymous Commerce Engine user keeps it (their cart
        follows them; there is no upstream login to end). The guest tokens go with the session."""
        if ctx.session is not None:
            SessionTokens(ctx.session, self.session_key).clear()
            SessionTokens(ctx.session, self.signed_in_key).clear()
        if ctx.customer is None:
            return
        link = LinkTokens(ctx.customer.id, self.account)
        shopper = self._as_shopper(link)
        if shopper is None or not shopper.logged_in:
            return
        try:
            self.client.logout(shopper.auth)
        finally:
            link.write({})  # the link to the Commerce Engine customer stays; its tokens go
