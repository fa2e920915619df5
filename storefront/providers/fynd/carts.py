"""Fynd cart reads and writes, redemptions, cart meta, addresses and share links."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from django.core.cache import cache

from storefront.exceptions import (
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.providers import readers, rules
from storefront.providers.base import CartContext, MergeResult
from storefront.providers.messages import MSG_MERGE_COUPON_DROPPED, MSG_MERGE_COUPON_KEPT
from storefront.providers.types import (
    Address,
    Cart,
    CartMeta,
    CouponOffer,
    Store,
)

from . import bodies
from . import mapping as fm
from .cart_state import FyndCartState
from .common import (
    MSG_CHOOSE_SIZE,
    MSG_EMPTY_CART,
    MSG_NO_POINTS,
    MSG_NOT_ADDED,
    MSG_NOT_UPDATED,
    MSG_POINTS_ALL_ONLY,
    MSG_POINTS_NOT_APPLIED,
    MSG_SHARE_MODE_SHORT,
    MSG_SHARED_CART_EMPTY,
    MSG_SIGN_IN_ADDRESSES,
    MSG_SIGN_IN_POINTS,
    MSG_SIZE_NOT_FOR_PRODUCT,
    MSG_UNKNOWN_ADDRESS,
    MSG_UNKNOWN_LINE,
    MSG_UNKNOWN_PRODUCT,
    SHARE_MODES,
    logger,
    user_id_of,
)
from .models import FyndAddress, FyndCart


class FyndCarts(FyndCartState):
    # ================================================================== cart reads
    def get_cart(self, ctx: CartContext) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return self._empty(ctx)
        state = self._state(cart_id)
        if state is not None and not state.is_open:
            return self._empty(ctx)  # ordered or merged away: no longer the shopper's cart
        try:
            body = self._read(ctx, cart_id, state)
        except ProviderUnavailable:
            body = self._stale_body(ctx, cart_id)  # only for a page that shows it read-only
            if body is None:
                raise
        if body is None:
            return self._empty(ctx)
        return self._to_cart(body, ctx, state)

    def cart_count(self, ctx: CartContext) -> int:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return 0
        try:
            return self.client.item_count(cart_id, buy_now=ctx.buy_now)
        except NotFound:
            return 0

    def sign_out(self, ctx: CartContext) -> None:
        """No Fynd user session is forwarded (the carts are named by id): nothing to end."""

    # ================================================================== cart writes
    def add_item(
        self,
        ctx: CartContext,
        *,
        product_id: str,
        variant_id: str | None,
        quantity: int,
        article_id: str | None = None,
        store_id: int | None = None,
        seller_id: int | None = None,
    ) -> Cart:
        """Add a size of a product. `article_id`/`store_id`/`seller_id` pin the seller and store
        when the caller knows them (from the size price); otherwise Fynd assigns the article."""
        if quantity < 1:
            raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
        try:
            item_id = int(str(product_id).strip())
        except (TypeError, ValueError) as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT, field="product") from exc
        if not variant_id:
            raise ProviderRejected(MSG_CHOOSE_SIZE, field="size")
        item: dict[str, Any] = {"item_id": item_id, "item_size": str(variant_id), "quantity": quantity}
        for name, value in (("article_id", article_id), ("store_id", store_id), ("seller_id", seller_id)):
            if value not in (None, ""):
                item[name] = value
        return self._add(ctx, [item])

    def _add(self, ctx: CartContext, items: list[dict[str, Any]], *, cart_id: str | None = None) -> Cart:
        cart_id = cart_id or self._cart_id(ctx)
        state = self._state(cart_id)
        try:
            answer = self._post_items(ctx, cart_id, state, items)
        except NotFound:
            if cart_id is None:
                raise
            # Fynd no longer knows this cart id (archived, expired): nothing was added; start anew
            logger.info("Fynd cart %s is gone; adding to a new cart", cart_id)
            cart_id, state = None, None
            answer = self._post_items(ctx, None, None, items)
        body = readers.as_dict(answer.get("cart"))
        new_id = fm.cart_id_of(body) or cart_id
        if not new_id:
            logger.warning("Fynd add-to-cart answer carries no cart id")
            raise ProviderUnavailable()
        if new_id != cart_id:
            state = self._adopt(new_id, ctx)
        cart = self._finish(ctx, new_id, body, state)
        if answer.get("success") is False:
            raise ProviderRejected(readers.as_str(answer.get("message")) or MSG_NOT_ADDED, field="quantity")
        return cart

    def _post_items(
        self, ctx: CartContext, cart_id: str | None, state: FyndCart | None, items: list[dict[str, Any]]
    ) -> dict:
        return self.client.add_items(
            cart_id,
            items,
            new_cart=cart_id is None,
            buy_now=ctx.buy_now,
            pincode=self._pincode(ctx, state),
            order_type=self._order_type(state),
        )

    def _put_line(
        self, ctx: CartContext, cart_id: str, state: FyndCart | None, operation: str, ref: dict
    ) -> Cart:
        answer = self.client.update_items(
            cart_id,
            operation=operation,
            items=[ref],
            buy_now=ctx.buy_now,
            pincode=self._pincode(ctx, state),
            order_type=self._order_type(state),
        )
        cart = self._finish(ctx, cart_id, answer.get("cart"), state)
        if answer.get("success") is False:
            raise ProviderRejected(readers.as_str(answer.get("message")) or MSG_NOT_UPDATED, field="quantity")
        return cart

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        if quantity < 1:
            raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
        state = self._state(cart_id)
        item, index = self._line(ctx, cart_id, state, line_id)
        problem = rules.quantity_problem(fm.map_quantity_rule(item.get("moq")), quantity)
        if problem:
            raise ProviderRejected(problem, field="quantity")
        ref = fm.line_ref(item, index)
        if variant_id and str(variant_id) != ref["item_size"]:
            offered = {
                readers.as_str(readers.as_dict(s).get("value"))
                for s in readers.as_list(readers.as_dict(item.get("availability")).get("available_sizes"))
            }
            offered.discard("")
            if offered and str(variant_id) not in offered:
                raise ProviderRejected(MSG_SIZE_NOT_FOR_PRODUCT, field="size")
            ref["item_size"] = str(variant_id)
            ref.pop("article_id", None)  # the old size's article; Fynd picks the new size's
        ref["quantity"] = quantity
        return self._put_line(ctx, cart_id, state, "update_item", ref)

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        state = self._state(cart_id)
        item, index = self._line(ctx, cart_id, state, line_id)
        ref = fm.line_ref(item, index)
        ref["quantity"] = 0
        return self._put_line(ctx, cart_id, state, "remove_item", ref)

    def clear_cart(self, ctx: CartContext) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return self._empty(ctx)
        state = self._state(cart_id)
        with contextlib.suppress(NotFound):  # already gone: the cart is empty either way
            self.client.archive(cart_id)
        cache.delete(self._cart_key(cart_id, ctx, state))
        return self._to_cart(fm.empty_cart_body(cart_id), ctx, state)

    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult:
        """At sign-in: the anonymous cart becomes the customer's (when they had none), or its
        available lines are added to the customer's cart in one POST."""
        anon_id = str(source.cart_id) if source.cart_id else None
        user_id = user_id_of(target)
        if not anon_id or user_id is None:
            return MergeResult(cart=self.get_cart(target), merged_lines=0)
        theirs = self._customer_cart_id(user_id, exclude=anon_id)
        anon_ctx = replace(source, customer=None, buy_now=False)
        anon_state = self._state(anon_id)
        if theirs is None:
            # the guest's cart becomes the customer's, its coupon with it: Fynd re-checks it for
            # the customer on the read, and a coupon it dropped is applied again or said
            cached = self._cached_body(anon_ctx, anon_id, anon_state)  # no call: the last answer
            coupon = self._to_cart(cached, anon_ctx, anon_state).coupon_code if cached else ""
            self._adopt(anon_id, target)
            adopted_ctx = replace(target, cart_id=anon_id, buy_now=False)
            cart = self.get_cart(adopted_ctx)
            adopted = anon_state is None or anon_state.user_id != user_id
            cart, kept, dropped = self._carry_coupon(adopted_ctx, cart, coupon)
            return MergeResult(
                cart=cart, merged_lines=len(cart.lines) if adopted else 0, kept=kept, dropped=dropped
            )
        body = self._read(anon_ctx, anon_id, anon_state)
        target_ctx = replace(target, cart_id=theirs, buy_now=False)
        if body is None:
            return MergeResult(cart=self.get_cart(target_ctx), merged_lines=0)
        anon_cart = self._to_cart(body, anon_ctx, anon_state)
        result = self._merge_items(body, anon_cart, anon_id, theirs, target_ctx)
        cart, kept, dropped = self._carry_coupon(target_ctx, result.cart, anon_cart.coupon_code)
        return replace(result, cart=cart, kept=kept, dropped=dropped)

    def _carry_coupon(
        self, ctx: CartContext, cart: Cart, code: str
    ) -> tuple[Cart, tuple[str, ...], tuple[str, ...]]:
        """The guest's coupon on the customer's cart: already there (kept), applied now (one POST
        `coupon`), or refused with Fynd's reason (dropped)."""
        if not code:
            return cart, (), ()
        if cart.coupon_code.upper() == code.upper():
            return cart, (MSG_MERGE_COUPON_KEPT.format(code=code),), ()
        try:
            cart = self.apply_coupon(ctx, code=code)
        except ProviderRejected as exc:
            return cart, (), (MSG_MERGE_COUPON_DROPPED.format(code=code, reason=exc.user_message),)
        return cart, (MSG_MERGE_COUPON_KEPT.format(code=code),), ()

    def _merge_items(
        self, body: Any, anon_cart: Cart, anon_id: str, theirs: str, target_ctx: CartContext
    ) -> MergeResult:
        items, adjusted = [], []
        for raw, line in zip(readers.as_list(body.get("items")), anon_cart.lines, strict=False):
            name = f"{line.product.name} ({line.variant.label})" if line.variant.label else line.product.name
            if not line.available or line.quantity < 1:
                adjusted.append(f"{name} could not be added: not available")
                continue
            item: dict[str, Any] = {
                "item_id": readers.as_int(line.product.id),
                "item_size": line.variant.id,
                "quantity": line.quantity,
            }
            article = readers.as_dict(readers.as_dict(raw).get("article"))
            for name_, value in (
                ("article_id", readers.as_str(article.get("uid"))),
                ("store_id", readers.as_int(readers.as_dict(article.get("store")).get("uid"))),
                ("seller_id", readers.as_int(readers.as_dict(article.get("seller")).get("uid"))),
            ):
                if value:
                    item[name_] = value
            items.append(item)
        if not items:
            return MergeResult(cart=self.get_cart(target_ctx), merged_lines=0, adjusted=tuple(adjusted))
        try:
            cart = self._add(target_ctx, items, cart_id=theirs)
            merged = len(items)
        except ProviderRejected as exc:
            # partly added: the answer's cart is cached, read it back
            cart = self.get_cart(target_ctx)
            adjusted.append(exc.user_message)
            merged = max(0, len(items) - 1)
        FyndCart.objects.filter(account=self.account, cart_id=anon_id).update(is_open=False)
        return MergeResult(cart=cart, merged_lines=merged, adjusted=tuple(adjusted))

    # ================================================================== redemptions
    def _need_cart(self, ctx: CartContext) -> tuple[str, FyndCart | None]:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise ProviderRejected(MSG_EMPTY_CART)
        return cart_id, self._state(cart_id)

    def list_coupons(self, ctx: CartContext) -> tuple[CouponOffer, ...]:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return ()
        return self._map(fm.map_coupon_list, self.client.coupons(cart_id, buy_now=ctx.buy_now))

    def apply_coupon(self, ctx: CartContext, *, code: str) -> Cart:
        cart_id, state = self._need_cart(ctx)
        code = code.strip()
        body = self.client.apply_coupon(cart_id, code, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state))
        cart = self._finish(ctx, cart_id, body, state)
        if not cart.coupon_code:
            raise ProviderRejected(fm.coupon_problem(readers.as_dict(body)), field="code")
        return cart

    def remove_coupon(self, ctx: CartContext) -> Cart:
        cart_id, state = self._need_cart(ctx)
        body = self.client.remove_coupon(cart_id, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state))
        return self._finish(ctx, cart_id, body, state)

    def apply_loyalty(self, ctx: CartContext, *, points: int | None = None) -> Cart:
        """Fynd applies all usable points or none (`points: true`); a smaller number is refused."""
        if ctx.customer is None:
            raise ProviderRejected(MSG_SIGN_IN_POINTS)
        cart_id, state = self._need_cart(ctx)
        body = self._cached_body(ctx, cart_id, state) or self._read(ctx, cart_id, state)
        loyalty = fm.map_loyalty(readers.as_dict(body).get("breakup_values")) if body else None
        if loyalty is not None:
            if loyalty.applicable <= 0:
                raise ProviderRejected(MSG_NO_POINTS, field="points")
            if points is not None and points < loyalty.applicable:
                raise ProviderRejected(MSG_POINTS_ALL_ONLY.format(n=loyalty.applicable), field="points")
        answer = self.client.redeem_points(
            cart_id, True, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state)
        )
        cart = self._finish(ctx, cart_id, answer, state)
        if cart.loyalty is None or not cart.loyalty.applied:
            raise ProviderRejected(
                readers.as_str(answer.get("message")) or MSG_POINTS_NOT_APPLIED, field="points"
            )
        return cart

    def remove_loyalty(self, ctx: CartContext) -> Cart:
        cart_id, state = self._need_cart(ctx)
        answer = self.client.redeem_points(
            cart_id, False, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state)
        )
        return self._finish(ctx, cart_id, answer, state)

    # ================================================================== meta and addresses
    def list_stores(self) -> tuple[Store, ...]:
        """Fynd's store APIs are not in the contract: no pick-up stores to choose from."""
        return ()

    def update_meta(self, ctx: CartContext, *, meta: CartMeta, pickup_store_id: str | None = None) -> Cart:
        """PUT meta (gstin, comment, checkout_mode, gift_details per article, pick-up contact) plus
        our own fields in `custom_cart_meta`, which Fynd echoes back on the cart; then one GET."""
        cart_id, state = self._need_cart(ctx)
        body = self._cached_body(ctx, cart_id, state) or self._read(ctx, cart_id, state) or {}
        payload = bodies.meta_body(meta, body)
        self.client.update_meta(cart_id, payload, buy_now=ctx.buy_now)
        state = self._state_for_write(cart_id, ctx, state)
        if state.order_type != meta.order_type.value:
            state.order_type = meta.order_type.value
            state.save(update_fields=["order_type", "updated_at"])
        fresh = self._read(ctx, cart_id, state, fresh=True)
        return self._to_cart(fresh, ctx, state) if fresh is not None else self._empty(ctx)

    def list_addresses(self, ctx: CartContext) -> tuple[Address, ...]:
        user_id = user_id_of(ctx)
        if user_id is None:
            return ()
        owned = set(
            FyndAddress.objects.filter(account=self.account, user_id=user_id).values_list(
                "address_id", flat=True
            )
        )
        if not owned:
            return ()
        body = self.client.addresses(self._cart_id(ctx), buy_now=ctx.buy_now)
        found = [self._map(fm.map_address, a) for a in readers.as_list(body.get("address"))]
        return tuple(a for a in found if a.id in owned)

    def set_address(self, ctx: CartContext, *, address: Address, billing_same: bool = True) -> Cart:
        """Save the address on Fynd (and, signed in, in the customer's book) and ship to it."""
        cart_id, state = self._need_cart(ctx)
        email = ctx.customer.email if ctx.customer else ""
        answer = self.client.add_address(fm.address_body(address, email=email))
        address_id = readers.as_str(answer.get("id"))
        if not address_id:
            logger.warning("Fynd saved an address but answered without its id")
            raise ProviderUnavailable()
        saved = replace(address, id=address_id)
        user_id = user_id_of(ctx)
        if user_id is not None:
            FyndAddress.objects.get_or_create(
                account=self.account,
                user_id=user_id,
                address_id=address_id,
                defaults={"snapshot": fm.address_json(saved)},
            )
        state = self._state_for_write(cart_id, ctx, state)
        billing = fm.address_from_json(state.billing_address)
        if billing_same or billing is None:
            billing = saved
        return self._select(ctx, cart_id, state, shipping=saved, billing=billing)

    def select_address(self, ctx: CartContext, *, address_id: str, role: str = "shipping") -> Cart:
        user_id = user_id_of(ctx)
        if user_id is None:
            raise ProviderRejected(MSG_SIGN_IN_ADDRESSES)
        owned = FyndAddress.objects.filter(
            account=self.account, user_id=user_id, address_id=str(address_id)
        ).first()
        if owned is None:
            raise NotFound(MSG_UNKNOWN_ADDRESS, field="address")
        chosen = fm.address_from_json(owned.snapshot)
        if chosen is None or not chosen.id:
            chosen = self._map(fm.map_address, self.client.address(str(address_id)))
        cart_id, state = self._need_cart(ctx)
        state = self._state_for_write(cart_id, ctx, state)
        shipping = fm.address_from_json(state.shipping_address)
        billing = fm.address_from_json(state.billing_address)
        if role == "billing":
            billing = chosen
            shipping = shipping or chosen
        else:
            shipping = chosen
            billing = billing or chosen
        return self._select(ctx, cart_id, state, shipping=shipping, billing=billing)

    def _select(
        self, ctx: CartContext, cart_id: str, state: FyndCart, *, shipping: Address, billing: Address
    ) -> Cart:
        body = self.client.select_address(
            cart_id,
            shipping.id,
            billing_address_id=billing.id,
            buy_now=ctx.buy_now,
            pincode=shipping.pincode,
        )
        state.shipping_address = fm.address_json(shipping)
        state.billing_address = fm.address_json(billing)
        state.save(update_fields=["shipping_address", "billing_address", "updated_at"])
        return self._finish(ctx, cart_id, body, state)

    # ================================================================== sharing
    def share_cart(self, ctx: CartContext) -> str:
        """POST share-cart; the token for /cart/shared/<token>/ (Fynd's share_url points at
        Fynd's own storefront, so the storefront builds its own link from the token)."""
        cart_id, _state = self._need_cart(ctx)
        answer = self.client.share_link(cart_id, bodies.share_meta(ctx))
        token = readers.as_str(answer.get("token"))
        if not token:
            url = readers.as_str(answer.get("share_url")).rstrip("/")
            token = url.rsplit("/", 1)[-1] if url else ""
        if not token:
            raise ProviderUnavailable()
        return token

    def get_shared_cart(self, token: str) -> Cart:
        answer = self.client.shared_cart(token)
        ctx = CartContext()
        return self._to_cart(readers.as_dict(answer.get("cart")), ctx, None)

    def accept_shared_cart(self, ctx: CartContext, *, token: str, mode: str) -> Cart:
        """Merge the shared lines into the shopper's cart, or replace its lines with them. Done
        with add (and archive for replace) on the shopper's own cart id, because Fynd's
        `share-cart/{token}/{action}` applies to the Fynd session's cart, which has no id here."""
        if mode not in SHARE_MODES:
            raise ProviderRejected(MSG_SHARE_MODE_SHORT, field="mode")
        answer = self.client.shared_cart(token)
        body = readers.as_dict(answer.get("cart"))
        shared = self._to_cart(body, CartContext(), None)
        items = [
            {"item_id": readers.as_int(ln.product.id), "item_size": ln.variant.id, "quantity": ln.quantity}
            for ln in shared.lines
            if ln.available and ln.quantity > 0
        ]
        if not items:
            raise ProviderRejected(MSG_SHARED_CART_EMPTY)
        if mode == "replace":
            self.clear_cart(ctx)
        cart = self._add(ctx, items)
        prepared = bodies.shared_by_staff(body)
        if prepared and not cart.staff_user and cart.id:
            # a cart our staff shared: the cart that takes its items says who prepared them
            state = self._state_for_write(cart.id, ctx)
            state.staff_user = prepared
            state.save(update_fields=["staff_user", "updated_at"])
            cart = replace(cart, staff_user=prepared)
        return cart
