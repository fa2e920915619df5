"""EnKashProvider: gift vouchers from EnKash's Rewards redemption API (../shared/providers/enkash.md),
the voucher role. `client.py` makes the calls, `mapping.py` reads the answers; this module keeps
the catalogue (cached per account) and places orders on the shared order ledger.

Choices where enkash.md is silent or INFERRED (also in the README):
- The cart is ours (vouchers.models), not EnKash's: EnKash's cart is scoped to the token's user,
  and the storefront buys through one partner login for every customer.
- Ordering uses the documented create-order (one productCatalogId, one integer `denomination`, a
  quantity and our `orderReferenceId`) once per line of our order, with a reference per line
  (`SF…-1`, `SF…-2`). A custom amount goes as its `denomination`.
- Status and codes come from orderDetails, asked with the line's reference (documented as the
  partner order reference; the example's value looks like an EnKash order id, so the EnKash
  orderId is kept too, and asked when the reference is refused).
- Reconciling a line whose answer was lost: orderDetails with its reference. Found → placed;
  refused or 404 → not placed (EnKash does not know the reference); no answer → still unknown.
  A create-order is never sent again for an attempt the ledger has recorded.
- Catalogue: the search-catalog listing (INFERRED path) for brands and categories, search-config
  (confirmed) for one brand's denominations, terms and how to redeem; both cached for
  CATALOGUE_CACHE_SECONDS. Inactive or disabled products are not sold.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from storefront import ledger
from storefront.exceptions import NotFound, ProviderRejected, ProviderUnavailable
from storefront.models import OrderAttempt
from storefront.providers import readers, voucher_ledger
from storefront.providers.base import Resolution
from storefront.providers.types import (
    Capability,
    VoucherLineStatus,
    VoucherOrder,
    VoucherOrderItem,
    VoucherProduct,
    VoucherStatus,
)

from . import mapping
from .client import PAGE_SIZE, EnKashClient

logger = logging.getLogger("storefront.providers.enkash")

MSG_UNKNOWN_PRODUCT = "We couldn't find that gift voucher. It may no longer be on sale."
MSG_WHOLE_RUPEES = "EnKash takes voucher values in whole rupees only."
MAX_PAGES = 20


class EnKashProvider:
    kind = "enkash"
    capabilities = frozenset({Capability.VOUCHERS, Capability.ORDER_LEDGER})

    def __init__(self, account, *, client: EnKashClient | None = None):
        if account is None:
            raise ValueError("the enkash provider needs a provider account")
        self.account = account
        self.client = client or EnKashClient(account)

    def __repr__(self) -> str:
        return f"<EnKashProvider {self.account.name}>"

    def ping(self) -> str:
        carts = self.client.cart()
        return f"authenticated; {len(readers.as_list(carts))} voucher cart(s) on the partner login"

    # ------------------------------------------------------------------ catalogue
    def _key(self, *parts: str) -> str:
        return f"enkash:{self.account.pk}:{self.account.updated_at.timestamp()}:" + ":".join(parts)

    def _listing(self) -> list[VoucherProduct]:
        key = self._key("listing")
        cached = cache.get(key)
        if cached is not None:
            return cached
        rows: list[VoucherProduct] = []
        for page in range(MAX_PAGES):
            raw, total = mapping.listing(self.client.search_catalog(limit=PAGE_SIZE, offset=page * PAGE_SIZE))
            rows.extend(p for p in (mapping.product(r) for r in raw) if p is not None and p.available)
            if len(raw) < PAGE_SIZE or (total is not None and (page + 1) * PAGE_SIZE >= total):
                break
        cache.set(key, rows, settings.CATALOGUE_CACHE_SECONDS)
        return rows

    def list_voucher_products(self, *, q: str = "", category: str = "") -> tuple[VoucherProduct, ...]:
        text = q.strip().lower()
        return tuple(
            p
            for p in self._listing()
            if (not category or p.category == category)
            and (not text or text in p.name.lower() or text in p.category.lower())
        )

    def list_voucher_categories(self) -> tuple[str, ...]:
        return tuple(sorted({p.category for p in self._listing() if p.category}))

    def get_voucher_product(self, product_id: str) -> VoucherProduct:
        key = self._key("product", product_id)
        product = cache.get(key)
        if product is None:
            try:
                product = mapping.product(readers.as_dict(self.client.product_configs(product_id)))
            except (ProviderRejected, NotFound) as exc:
                raise NotFound(MSG_UNKNOWN_PRODUCT) from exc
            if product is None:
                raise NotFound(MSG_UNKNOWN_PRODUCT)
            cache.set(key, product, settings.CATALOGUE_CACHE_SECONDS)
        if not product.available or not product.denominations:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        return product

    # ------------------------------------------------------------------ orders
    def place_voucher_order(self, *, idempotency_key, items, user_id, on_claim, shown=None) -> OrderAttempt:
        for item in items:
            if item.face_value != item.face_value.to_integral_value():
                raise ProviderRejected(MSG_WHOLE_RUPEES)
        return voucher_ledger.place(
            account=self.account,
            idempotency_key=idempotency_key,
            items=items,
            user_id=user_id,
            on_claim=on_claim,
            send=self._send,
            reconcile=self.reconcile_order,
            shown=shown,
        )

    def _send(self, attempt: OrderAttempt, items: tuple[VoucherOrderItem, ...]) -> ledger.Sent:
        """One create-order per line, each with its own reference. A refusal after some lines were
        taken is not an error for the whole order: those lines are placed, the rest are recorded
        as refused (they are paid back when the order settles)."""
        record_items = [voucher_ledger.item_json(i) for i in items]
        placed_any = False
        for entry, item in zip(record_items, items, strict=True):
            try:
                answer = readers.as_dict(
                    self.client.create_order(
                        reference=item.reference,
                        product_id=item.product_id,
                        denomination=int(item.face_value),
                        quantity=item.quantity,
                    )
                )
            except ProviderRejected as exc:
                if not placed_any:
                    raise
                entry["refused"] = exc.user_message
                continue
            except ProviderUnavailable:
                if placed_any:
                    logger.error("EnKash order %s: line %s got no answer", attempt.reference, item.reference)
                raise
            placed_any = True
            entry["upstream_id"] = readers.as_str(answer.get("orderId"))
        first = next((e.get("upstream_id", "") for e in record_items if e.get("upstream_id")), "")
        return ledger.Sent(first or attempt.reference, {"items": record_items})

    @sensitive_variables()
    def _details(self, reference: str, upstream_id: str = "") -> dict:
        try:
            return readers.as_dict(self.client.order_details(reference))
        except (ProviderRejected, NotFound):
            if not upstream_id or upstream_id == reference:
                raise
            return readers.as_dict(self.client.order_details(upstream_id))

    @sensitive_variables()
    def fetch_voucher_order(self, attempt: OrderAttempt) -> VoucherOrder:
        lines = []
        for entry in readers.as_list(attempt.record.get("items")):
            entry = readers.as_dict(entry)
            position = readers.as_int(entry.get("position"))
            reference = readers.as_str(entry.get("reference")) or voucher_ledger.line_reference(
                attempt.reference, position
            )
            if entry.get("refused") or entry.get("not_placed"):
                message = readers.as_str(entry.get("refused"))
                lines.append(VoucherLineStatus(position, VoucherStatus.FAILED, message=message))
                continue
            details = self._details(reference, readers.as_str(entry.get("upstream_id")))
            lines.append(mapping.line_status(position, details))
        statuses = {line.status for line in lines}
        overall = VoucherStatus.SUCCESS if statuses == {VoucherStatus.SUCCESS} else VoucherStatus.PROCESSING
        return VoucherOrder(attempt.reference, overall, tuple(lines), upstream_id=attempt.upstream_id)

    def reconcile_order(self, attempt: OrderAttempt) -> Resolution:
        """Each line looked up by its reference (never ordered again): any found → placed (the
        lines not found are recorded as not placed and paid back); none found → not placed; a line
        that cannot be looked up now → still unknown."""
        record = dict(attempt.record or {})
        entries = [dict(readers.as_dict(e)) for e in readers.as_list(record.get("items"))]
        found = False
        for entry in entries:
            reference = readers.as_str(entry.get("reference")) or voucher_ledger.line_reference(
                attempt.reference, readers.as_int(entry.get("position"))
            )
            entry["reference"] = reference
            try:
                details = readers.as_dict(self.client.order_details(reference))
            except (ProviderRejected, NotFound):
                entry["not_placed"] = True
                continue
            except ProviderUnavailable:
                return Resolution(placed=None)
            found = True
            entry["upstream_id"] = readers.as_str(details.get("orderId"))
        if not found:
            return Resolution(placed=False)
        record["items"] = entries
        first = next((e["upstream_id"] for e in entries if e.get("upstream_id")), "")
        return Resolution(placed=True, upstream_id=first, record=record)
