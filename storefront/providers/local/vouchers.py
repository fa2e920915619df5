"""The embedded `local` voucher provider: brands, denominations and voucher orders in our own
database (voucher_models.py), with no HTTP. It implements the same VoucherProvider contract as
EnKash, so the storefront's voucher pages, cart, payment and ledger cannot tell them apart.

Orders: `place_voucher_order` goes through the shared ledger (providers/voucher_ledger.py); the
"upstream" create is one LocalVoucherOrder per storefront reference (unique: a repeat is the same
order). An order is `processing` until its `ready_at` (each brand's `fulfil_seconds`, so the
demo shows pending → processing → success); the first status read after that issues the codes
(a locked, once-only step) and the order is `success`. Codes are 16 digits and pins 6 digits from
`secrets` (a CSPRNG), stored encrypted.
"""

from __future__ import annotations

import secrets
import string
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from storefront import ledger
from storefront.exceptions import NotFound
from storefront.models import OrderAttempt
from storefront.money import quantize
from storefront.providers import voucher_ledger
from storefront.providers.base import Resolution
from storefront.providers.types import (
    Capability,
    IssuedVoucher,
    VoucherDenomination,
    VoucherLineStatus,
    VoucherOrder,
    VoucherOrderItem,
    VoucherProduct,
    VoucherStatus,
)

from . import voucher_models as vm

MSG_UNKNOWN_BRAND = "We couldn't find that gift voucher. It may no longer be on sale."
CODE_DIGITS = 16
PIN_DIGITS = 6
CUSTOM = "custom"


def sell_rate(face_value: Decimal, discount: Decimal) -> Decimal:
    """EnKash's rule, which the local store follows too: sellRate = mrp × (1 − discount/100)."""
    return quantize(face_value * (Decimal(100) - discount) / Decimal(100))


def denomination_id(brand: vm.LocalVoucherBrand, face_value: int | None) -> str:
    return f"{brand.slug}-{face_value if face_value is not None else CUSTOM}"


def map_brand(brand: vm.LocalVoucherBrand, denominations) -> VoucherProduct:
    options = [
        VoucherDenomination(
            id=denomination_id(brand, d.face_value),
            face_value=Decimal(d.face_value),
            price=sell_rate(Decimal(d.face_value), d.discount),
            discount_percent=d.discount,
            max_quantity=d.max_quantity,
        )
        for d in denominations
    ]
    if brand.custom_max and brand.custom_max >= brand.custom_min:
        low = Decimal(max(brand.custom_min, 1))
        options.append(
            VoucherDenomination(
                id=denomination_id(brand, None),
                face_value=low,
                price=sell_rate(low, brand.custom_discount),
                discount_percent=brand.custom_discount,
                max_quantity=brand.custom_max_quantity,
                custom_amount=True,
                min_amount=low,
                max_amount=Decimal(brand.custom_max),
            )
        )
    return VoucherProduct(
        id=brand.slug,
        name=brand.name,
        category=brand.category,
        logo=brand.logo,
        denominations=tuple(options),
        description=brand.description,
        terms=brand.terms,
        how_to_redeem=brand.how_to_redeem,
        expiry_days=brand.expiry_days,
        available=brand.active and bool(options),
    )


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


class LocalVoucherProvider:
    kind = "local"
    capabilities = frozenset({Capability.VOUCHERS, Capability.ORDER_LEDGER})

    def __init__(self, account=None):
        self.account = account

    def __repr__(self) -> str:
        return "<LocalVoucherProvider>"

    def ping(self) -> str:
        return f"{vm.LocalVoucherBrand.objects.filter(active=True).count()} voucher brands on sale"

    # ------------------------------------------------------------------ catalogue
    def _brands(self):
        return vm.LocalVoucherBrand.objects.filter(active=True).prefetch_related("denominations")

    def _map(self, brand: vm.LocalVoucherBrand) -> VoucherProduct:
        return map_brand(brand, [d for d in brand.denominations.all() if d.active])

    def list_voucher_products(self, *, q: str = "", category: str = "") -> tuple[VoucherProduct, ...]:
        brands = self._brands()
        if q.strip():
            text = q.strip()
            brands = brands.filter(
                Q(name__icontains=text) | Q(category__icontains=text) | Q(description__icontains=text)
            )
        if category:
            brands = brands.filter(category=category)
        products = (self._map(b) for b in brands)
        return tuple(p for p in products if p.available)

    def list_voucher_categories(self) -> tuple[str, ...]:
        rows = self._brands().order_by("category").values_list("category", flat=True).distinct()
        return tuple(rows)

    def get_voucher_product(self, product_id: str) -> VoucherProduct:
        brand = self._brands().filter(slug=product_id).first()
        product = self._map(brand) if brand is not None else None
        if product is None or not product.available:
            raise NotFound(MSG_UNKNOWN_BRAND)
        return product

    # ------------------------------------------------------------------ orders
    def place_voucher_order(self, *, idempotency_key, items, user_id, on_claim, shown=None) -> OrderAttempt:
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
        slugs = {i.product_id for i in items}
        waits = vm.LocalVoucherBrand.objects.filter(slug__in=slugs).values_list("fulfil_seconds", flat=True)
        order, _ = vm.LocalVoucherOrder.objects.get_or_create(
            reference=attempt.reference,
            defaults={
                "items": [voucher_ledger.item_json(i) for i in items],
                "total": sum((i.unit_price * i.quantity for i in items), Decimal("0.00")),
                "ready_at": timezone.now() + timedelta(seconds=max(waits, default=0)),
            },
        )
        return ledger.Sent(f"LV{order.pk:06d}", {"items": order.items})

    @sensitive_variables()
    def fetch_voucher_order(self, attempt: OrderAttempt) -> VoucherOrder:
        order = vm.LocalVoucherOrder.objects.filter(reference=attempt.reference).first()
        if order is None:
            raise NotFound(MSG_UNKNOWN_BRAND)
        if order.status == order.Status.PROCESSING and order.ready_at <= timezone.now():
            order = self._issue(order.pk)
        codes: dict[int, list[IssuedVoucher]] = {}
        for row in order.codes.all():
            secret = row.secret()
            codes.setdefault(row.position, []).append(
                IssuedVoucher(secret["code"], secret["pin"], row.expires_at)
            )
        status = VoucherStatus(order.status)
        lines = tuple(
            VoucherLineStatus(
                position=int(item["position"]),
                status=status,
                upstream_id=f"LV{order.pk:06d}",
                vouchers=tuple(codes.get(int(item["position"]), ())),
            )
            for item in order.items
        )
        return VoucherOrder(attempt.reference, status, lines, upstream_id=f"LV{order.pk:06d}")

    @transaction.atomic
    @sensitive_variables()
    def _issue(self, pk: int) -> vm.LocalVoucherOrder:
        """Issue every voucher of a processing order, once (the row is locked; a second reader
        finds it issued)."""
        order = vm.LocalVoucherOrder.objects.select_for_update().get(pk=pk)
        if order.status != order.Status.PROCESSING:
            return order
        expiry = {b.slug: b.expiry_days for b in vm.LocalVoucherBrand.objects.all()}
        now = timezone.now()
        rows = []
        for item in order.items:
            days = expiry.get(item["product_id"], 365)
            for index in range(int(item["quantity"])):
                row = vm.LocalVoucherCode(
                    order=order,
                    position=int(item["position"]),
                    index=index,
                    expires_at=(now + timedelta(days=days)).replace(
                        hour=23, minute=59, second=59, microsecond=0
                    ),
                )
                row.set_secret(_digits(CODE_DIGITS), _digits(PIN_DIGITS))
                rows.append(row)
        vm.LocalVoucherCode.objects.bulk_create(rows)
        order.status, order.issued_at = order.Status.SUCCESS, now
        order.save(update_fields=["status", "issued_at"])
        return order

    def reconcile_order(self, attempt: OrderAttempt) -> Resolution:
        """The local store answers from its own table: the order is there or it is not."""
        order = vm.LocalVoucherOrder.objects.filter(reference=attempt.reference).first()
        if order is None:
            return Resolution(placed=False)
        return Resolution(placed=True, upstream_id=f"LV{order.pk:06d}", record={"items": order.items})
