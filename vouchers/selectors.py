"""Voucher reads: the catalogue, the customer's voucher cart priced from the provider now, and
voucher orders (only the owner's, or any for staff holding `vouchers.view_any_voucher_order`)."""

from __future__ import annotations

from decimal import Decimal

from storefront.exceptions import NotFound
from storefront.money import ZERO
from storefront.providers.base import VoucherProvider
from storefront.providers.types import VoucherCart, VoucherCartLine, VoucherDenomination, VoucherProduct

from . import models as vm
from .pricing import unit_price

MSG_LINE_GONE = "{name} is no longer on sale. Remove it to place your order."
MSG_DENOMINATION_GONE = "This denomination is no longer on sale. Remove it to place your order."
MSG_QTY_OVER = "At most {max} of these per order now. Lower the quantity to place your order."
MSG_AMOUNT_OUT = "This amount is no longer allowed for this voucher. Remove it to place your order."


def voucher_catalogue(
    *, provider: VoucherProvider, q: str = "", category: str = ""
) -> tuple[tuple[VoucherProduct, ...], tuple[str, ...]]:
    return provider.list_voucher_products(q=q, category=category), provider.list_voucher_categories()


def _gone(product_id: str) -> VoucherProduct:
    return VoucherProduct(
        id=product_id, name=product_id, category="", logo="", denominations=(), available=False
    )


def voucher_cart_get(*, provider: VoucherProvider, user) -> VoucherCart:
    """The customer's voucher cart, each line priced from the provider's catalogue now (one
    product read per brand in the cart; remote providers cache them). A line that can no longer
    be ordered as it is carries a `problem` shown beside it, and blocks the order."""
    row = vm.VoucherCart.objects.filter(user=user, account_key=vm.account_key(provider.account)).first()
    if row is None:
        return VoucherCart(
            id="", version=0, lines=(), face_total=ZERO, price_total=ZERO, savings=ZERO, count=0
        )
    products: dict[str, VoucherProduct] = {}
    lines = []
    for line in row.lines.all():
        if line.product_id not in products:
            try:
                products[line.product_id] = provider.get_voucher_product(line.product_id)
            except NotFound:
                products[line.product_id] = _gone(line.product_id)
        product = products[line.product_id]
        denomination = product.denomination(line.denomination_id)
        problem = ""
        if not product.available:
            problem = MSG_LINE_GONE.format(name=product.name)
        elif denomination is None:
            problem = MSG_DENOMINATION_GONE
        elif line.quantity > denomination.max_quantity:
            problem = MSG_QTY_OVER.format(max=denomination.max_quantity)
        elif denomination.custom_amount and not (
            (denomination.min_amount or ZERO)
            <= line.face_value
            <= (denomination.max_amount or line.face_value)
        ):
            problem = MSG_AMOUNT_OUT
        if denomination is None:
            denomination = VoucherDenomination(
                id=line.denomination_id,
                face_value=line.face_value,
                price=line.face_value,
                discount_percent=Decimal(0),
                max_quantity=line.quantity,
            )
        lines.append(
            VoucherCartLine(
                id=str(line.pk),
                product=product,
                denomination=denomination,
                face_value=line.face_value,
                unit_price=unit_price(denomination, line.face_value),
                quantity=line.quantity,
                problem=problem,
            )
        )
    face = sum((ln.line_face for ln in lines), ZERO)
    price = sum((ln.line_price for ln in lines), ZERO)
    return VoucherCart(
        id=str(row.pk),
        version=row.version,
        lines=tuple(lines),
        face_total=face,
        price_total=price,
        savings=face - price,
        count=sum(ln.quantity for ln in lines),
    )


def voucher_cart_count(*, provider: VoucherProvider, user) -> int:
    if not user.is_authenticated:
        return 0
    row = vm.VoucherCart.objects.filter(user=user, account_key=vm.account_key(provider.account)).first()
    return sum(row.lines.values_list("quantity", flat=True)) if row else 0


def can_view_any(user) -> bool:
    return user.is_authenticated and user.has_perm("vouchers.view_any_voucher_order")


def voucher_order_get(*, user, reference: str) -> vm.VoucherOrder:
    """The order, for its owner or staff with the permission; NotFound (a 404) for anyone else."""
    if not user.is_authenticated:
        raise NotFound()
    orders = vm.VoucherOrder.objects.select_related("attempt", "account")
    if not can_view_any(user):
        orders = orders.filter(user=user)
    order = orders.filter(reference=reference).first()
    if order is None:
        raise NotFound()
    return order


def voucher_orders_of(*, user) -> list[vm.VoucherOrder]:
    return list(vm.VoucherOrder.objects.filter(user=user).prefetch_related("lines"))
