"""Which Fynd cart is whose (FyndCart rows) and cheap cart reads: a cached body revalidated with
HEAD (Last-Modified), mutations caching the cart their answer carries. The last body read or
answered for each cart is also kept for settings.CATALOGUE_STALE_SECONDS: the cart page shows it
read-only while Fynd is unavailable (storefront.degraded); no mutation ever reads it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

from storefront import degraded
from storefront.exceptions import (
    NotFound,
    ProviderRejected,
)
from storefront.providers import readers
from storefront.providers.base import CartContext
from storefront.providers.types import (
    Cart,
)

from . import mapping as fm
from .common import (
    CART_CACHE_SECONDS,
    MSG_UNKNOWN_LINE,
    FyndBase,
    key_part,
    user_id_of,
)
from .models import FyndCart


class FyndCartState(FyndBase):
    def _cart_id(self, ctx: CartContext) -> str | None:
        if ctx.cart_id:
            return str(ctx.cart_id)
        user_id = user_id_of(ctx)
        if user_id is None or ctx.buy_now:
            return None
        return self._customer_cart_id(user_id)

    def _customer_cart_id(self, user_id: int, *, exclude: str | None = None) -> str | None:
        rows = FyndCart.objects.filter(account=self.account, user_id=user_id, buy_now=False, is_open=True)
        if exclude:
            rows = rows.exclude(cart_id=exclude)
        row = rows.order_by("-updated_at").only("cart_id").first()
        return row.cart_id if row else None

    def _state(self, cart_id: str | None) -> FyndCart | None:
        if not cart_id:
            return None
        return FyndCart.objects.filter(account=self.account, cart_id=cart_id).first()

    def _state_for_write(self, cart_id: str, ctx: CartContext, state: FyndCart | None = None) -> FyndCart:
        if state is not None:
            return state
        row, _ = FyndCart.objects.get_or_create(
            account=self.account,
            cart_id=cart_id,
            defaults={"user_id": None if ctx.buy_now else user_id_of(ctx), "buy_now": ctx.buy_now},
        )
        return row

    def _adopt(self, cart_id: str, ctx: CartContext) -> FyndCart:
        """Remember a cart Fynd just made (a customer's main cart follows them across browsers)."""
        user_id = user_id_of(ctx)
        row, created = FyndCart.objects.get_or_create(
            account=self.account,
            cart_id=cart_id,
            defaults={"user_id": user_id, "buy_now": ctx.buy_now},
        )
        if not created and user_id and row.user_id is None and not ctx.buy_now:
            row.user_id = user_id
            row.save(update_fields=["user", "updated_at"])
        return row

    @staticmethod
    def _pincode(ctx: CartContext, state: FyndCart | None) -> str:
        """The delivery pincode: the selected delivery address's, else the shopper's."""
        shipping = readers.as_dict(state.shipping_address) if state else {}
        return readers.as_str(shipping.get("pincode")) or ctx.pincode

    @staticmethod
    def _order_type(state: FyndCart | None) -> str:
        return state.order_type if state else ""

    def _cart_key(self, cart_id: str, ctx: CartContext, state: FyndCart | None) -> str:
        parts = (
            cart_id,
            ctx.buy_now,
            self._pincode(ctx, state),
            self._order_type(state),
            ctx.with_payment_charges,
        )
        return f"{self._ns}:cart:{key_part(*parts)}"

    def _last_key(self, cart_id: str, ctx: CartContext) -> str:
        return f"{self._ns}:cart-last:{key_part(cart_id, ctx.buy_now, ctx.with_payment_charges)}"

    def _keep(self, key: str, body: dict, last_modified: str | None = None, *, last_key: str = "") -> None:
        if last_key and settings.CATALOGUE_STALE_SECONDS > 0:
            cache.set(last_key, body, settings.CATALOGUE_STALE_SECONDS)
        validator = last_modified or readers.as_str(body.get("last_modified"))
        if validator and readers.parse_moment(validator) is not None:
            cache.set(key, {"lm": validator, "body": body}, CART_CACHE_SECONDS)
        else:
            cache.delete(key)

    def _read(
        self, ctx: CartContext, cart_id: str, state: FyndCart | None, *, fresh: bool = False
    ) -> dict | None:
        """The cart body: the cached copy when HEAD says it is unchanged, else a GET. None when
        Fynd does not know the id any more."""
        key = self._cart_key(cart_id, ctx, state)
        entry = None if fresh else cache.get(key)
        if entry is not None:
            try:
                stamp = self.client.cart_last_modified(cart_id)
            except NotFound:
                cache.delete(key)
                return None
            except ProviderRejected:
                stamp = None  # a HEAD the server will not answer: read the body instead
            if stamp and readers.same_moment(stamp, entry["lm"]):
                return entry["body"]
        try:
            body, last_modified = self.client.cart(
                cart_id,
                buy_now=ctx.buy_now,
                pincode=self._pincode(ctx, state),
                order_type=self._order_type(state),
                cod=ctx.with_payment_charges,
            )
        except NotFound:
            cache.delete(key)
            return None
        self._keep(key, body, last_modified, last_key=self._last_key(cart_id, ctx))
        return body

    def _stale_body(self, ctx: CartContext, cart_id: str) -> dict | None:
        """The last body kept of this cart, for a page that may show it read-only (None if not)."""
        if not degraded.may_serve_stale():
            return None
        body = cache.get(self._last_key(cart_id, ctx))
        if body is not None:
            degraded.note_stale(self.account, "cart")
        return body

    def _to_cart(self, body: dict, ctx: CartContext, state: FyndCart | None) -> Cart:
        shipping = fm.address_from_json(state.shipping_address) if state else None
        billing = fm.address_from_json(state.billing_address) if state else None
        return self._map(
            fm.map_cart,
            body,
            capabilities=self.capabilities,
            pincode=self._pincode(ctx, state),
            buy_now=ctx.buy_now,
            order_type=self._order_type(state),
            signed_in=ctx.customer is not None,
            shipping_address=shipping,
            billing_address=billing,
            staff_user=state.staff_user if state else "",
        )

    def _empty(self, ctx: CartContext, cart_id: str = "") -> Cart:
        return self._to_cart(fm.empty_cart_body(cart_id), ctx, None)

    def _finish(self, ctx: CartContext, cart_id: str, body: Any, state: FyndCart | None) -> Cart:
        """The cart a mutation answered with (one GET only when the answer leaves parts out)."""
        if ctx.staff_user and (state is None or state.staff_user != ctx.staff_user):
            state = self._state_for_write(cart_id, ctx, state)
            state.staff_user = ctx.staff_user
            state.save(update_fields=["staff_user", "updated_at"])
        if fm.is_complete(body):
            # a mutation's `message`/`success` acknowledge the call; they say nothing about the cart
            body = {k: v for k, v in body.items() if k not in ("message", "success")}
            self._keep(self._cart_key(cart_id, ctx, state), body, last_key=self._last_key(cart_id, ctx))
        else:
            body = self._read(ctx, cart_id, state, fresh=True)
            if body is None:
                return self._empty(ctx)
        return self._to_cart(body, ctx, state)

    def _cached_body(self, ctx: CartContext, cart_id: str, state: FyndCart | None) -> dict | None:
        entry = cache.get(self._cart_key(cart_id, ctx, state))
        return entry["body"] if entry else None

    def _line(self, ctx: CartContext, cart_id: str, state: FyndCart | None, line_id: str) -> tuple[dict, int]:
        """The raw line to update or remove: from the cached cart (no call), else a fresh GET."""
        body = self._cached_body(ctx, cart_id, state)
        found = fm.find_line(body, line_id) if body else None
        if found is None:
            body = self._read(ctx, cart_id, state, fresh=True)
            found = fm.find_line(body, line_id) if body else None
        if found is None:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        return found
