"""EnKash JSON → the storefront's voucher dataclasses: pure functions, on the shared tolerant
readers (money as Decimal from int, decimal or string; `enKash`/`enkash` casing; missing fields).
Field names follow the seeds (S0, S4) where they and enkash.md differ."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.views.decorators.debug import sensitive_variables

from storefront.money import quantize
from storefront.providers import readers
from storefront.providers.types import (
    IssuedVoucher,
    VoucherDenomination,
    VoucherLineStatus,
    VoucherProduct,
    VoucherStatus,
)

IST = ZoneInfo("Asia/Kolkata")  # expiryDate has no zone (enkash.md §6): INFERRED IST
FINAL_FAILED = {"FAILED", "FAILURE", "CANCELLED", "CANCELED", "REFUNDED", "REJECTED", "EXPIRED"}
SUCCESS = {"SUCCESS", "SUCCESSFUL", "COMPLETED", "DELIVERED"}
# custom amounts: EnKash documents no bounds (enkash.md §6), so a config with customAmountEnabled
# takes whole rupees from its own mrp up to this, unless the config says otherwise
CUSTOM_MAX_DEFAULT = Decimal("10000")


def _money(value: Any) -> Decimal:
    return quantize(readers.as_money(value))


def denomination(raw: dict[str, Any]) -> VoucherDenomination | None:
    config_id = readers.as_str(raw.get("productConfigId"))
    if not config_id:
        return None
    mrp = _money(raw.get("mrp"))
    discount = readers.as_money(raw.get("enkashDiscount", raw.get("enKashDiscount")))
    price = (
        _money(raw.get("sellRate"))
        if raw.get("sellRate") is not None
        else quantize(mrp * (100 - discount) / 100)
    )
    custom = readers.as_bool(raw.get("customAmountEnabled"), False)
    low = _money(raw.get("minAmount")) if raw.get("minAmount") is not None else mrp
    high = _money(raw.get("maxAmount")) if raw.get("maxAmount") is not None else max(CUSTOM_MAX_DEFAULT, mrp)
    return VoucherDenomination(
        id=config_id,
        face_value=mrp,
        price=price,
        discount_percent=discount,
        max_quantity=max(readers.as_int(raw.get("maxQuantity"), 1), 1),
        custom_amount=custom,
        min_amount=low if custom else None,
        max_amount=high if custom else None,
    )


def logo(raw: dict[str, Any]) -> str:
    images = readers.as_dict(raw.get("images"))
    for key in ("LOGO_IMAGE", "LOGO_IMAGE_SMALL", "BRAND_IMAGE"):
        url = readers.as_str(images.get(key))
        if url.startswith("https://") or url.startswith("http://"):
            return url
    url = readers.as_str(raw.get("logoUrl"))
    return url if url.startswith(("https://", "http://")) else ""


def product(raw: dict[str, Any]) -> VoucherProduct | None:
    product_id = readers.as_str(raw.get("productCatalogId"))
    if not product_id:
        return None
    configs = readers.as_list(raw.get("configResponses")) or readers.as_list(raw.get("productConfigs"))
    options = tuple(
        d for d in (denomination(readers.as_dict(c)) for c in configs) if d is not None and d.face_value > 0
    )
    options = tuple(sorted(options, key=lambda d: (d.custom_amount, d.face_value)))
    active = readers.as_bool(raw.get("active"), True) and readers.as_bool(raw.get("enabled"), True)
    expiry = readers.as_int(raw.get("expiryPeriod"), 0)
    return VoucherProduct(
        id=product_id,
        name=readers.as_str(raw.get("brand")) or readers.as_str(raw.get("name")) or product_id,
        category=readers.as_str(raw.get("category")),
        logo=logo(raw),
        denominations=options,
        description=readers.as_str(raw.get("description")),
        terms=readers.as_str(raw.get("termsAndCondition")),
        how_to_redeem=readers.as_str(raw.get("howToRedeem")),
        expiry_days=expiry or None,
        available=active,
    )


def listing(payload: Any) -> tuple[list[dict[str, Any]], int | None]:
    """A catalogue search answer: its products and the total when it says one."""
    if isinstance(payload, list):
        return [readers.as_dict(p) for p in payload], None
    body = readers.as_dict(payload)
    rows = readers.as_list(body.get("data")) or readers.as_list(body.get("content"))
    total = next((readers.as_int(body[k]) for k in ("totalElements", "total", "count") if k in body), None)
    return [readers.as_dict(p) for p in rows], total


def status(value: Any) -> VoucherStatus:
    text = readers.as_str(value).upper()
    if text in SUCCESS:
        return VoucherStatus.SUCCESS
    if text in FINAL_FAILED:
        return VoucherStatus.FAILED
    return VoucherStatus.PROCESSING  # PENDING, PROCESSING and anything unknown: ask again later


def expiry(value: Any) -> datetime | None:
    text = readers.as_str(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=IST)


@sensitive_variables()
def vouchers(details: dict[str, Any]) -> tuple[IssuedVoucher, ...]:
    found = []
    for raw in readers.as_list(details.get("voucherDetailsList")):
        row = readers.as_dict(raw)
        code = readers.as_str(row.get("cardNumber"))
        if code:
            found.append(
                IssuedVoucher(
                    code=code, pin=readers.as_str(row.get("pin")), expires_at=expiry(row.get("expiryDate"))
                )
            )
    return tuple(found)


@sensitive_variables()
def line_status(position: int, details: dict[str, Any]) -> VoucherLineStatus:
    order_status = status(details.get("orderStatus"))
    payment_status = readers.as_str(details.get("paymentStatus")).upper()
    if payment_status in FINAL_FAILED:
        order_status = VoucherStatus.FAILED
    return VoucherLineStatus(
        position=position,
        status=order_status,
        upstream_id=readers.as_str(details.get("orderId")),
        vouchers=vouchers(details) if order_status == VoucherStatus.SUCCESS else (),
    )
