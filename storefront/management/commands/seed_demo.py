"""Load the demo store (idempotent: running it twice changes nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from carts.models import CustomerRecord, StaffProfile
from storefront.models import ProviderAccount, ProviderKind
from storefront.providers import registry
from storefront.providers.local import models as m
from storefront.providers.local.demo_data import CATEGORIES, DESCRIPTIONS, PINCODES, PRODUCTS, SIZE_CHARTS
from storefront.providers.local.images import image_path
from storefront.providers.local.voucher_demo import seed_vouchers

DEFAULT_PASSWORD = "demo-pass-123"  # noqa: S105 - documented demo password
# `--voucher-wallet` (make run): the demo customer's points are topped up to this, so with the
# ₹250 store credit they can buy more than ₹3,000 of gift vouchers (12,800 points = ₹3,200)
VOUCHER_WALLET_POINTS = 12_800


class Command(BaseCommand):
    help = "Load the local provider's demo catalogue, pincodes and demo users."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password for the demo users")
        parser.add_argument(
            "--voucher-wallet",
            action="store_true",
            help=f"top the demo shopper's points up to {VOUCHER_WALLET_POINTS} for buying gift vouchers",
        )

    @transaction.atomic
    def handle(self, *args, password: str, voucher_wallet: bool = False, **options):
        self._catalogue()
        self._pincodes()
        self._users(password)
        self._redemptions()
        brands = seed_vouchers()
        if voucher_wallet:
            self._voucher_wallet()
        if not ProviderAccount.objects.filter(active_for_shop=True).exists():
            account, _ = ProviderAccount.objects.get_or_create(
                name="local", defaults={"kind": ProviderKind.LOCAL}
            )
            registry.activate(account)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo store ready: {m.Product.objects.count()} products in {m.Category.objects.count()} "
                f"categories, {m.Pincode.objects.count()} pincodes, {brands} gift voucher brands"
            )
        )

    def _catalogue(self) -> None:
        categories = {}
        for position, (slug, name, *_rest) in enumerate(CATEGORIES):
            categories[slug], _ = m.Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "position": position}
            )
            if slug in SIZE_CHARTS and not categories[slug].size_chart:  # an operator's chart stays
                categories[slug].size_chart = SIZE_CHARTS[slug]
                categories[slug].save(update_fields=["size_chart"])
        brands = {}
        for slug, name, brand, category, mrp, price, gst, hsn, extra in PRODUCTS:
            if brand not in brands:
                brands[brand], _ = m.Brand.objects.get_or_create(
                    slug=brand.lower().replace(" ", "-").replace(".", "").replace("&", "and"),
                    defaults={"name": brand},
                )
            pack = extra.get("pack", 1)
            product, created = m.Product.objects.get_or_create(
                slug=slug,
                defaults=dict(
                    name=name,
                    brand=brands[brand],
                    category=categories[category],
                    description=DESCRIPTIONS[category],
                    image=image_path(slug),
                    mrp=Decimal(mrp),
                    price=Decimal(price),
                    gst_rate=gst,
                    hsn_code=hsn,
                    has_sizes="sizes" in extra,
                    min_quantity=pack,
                    increment=pack,
                    max_quantity=extra.get("max", 10),
                    featured=extra.get("featured", False),
                ),
            )
            if not created:
                continue  # an operator may have changed prices or stock: leave them be
            sizes = extra.get("sizes") or [("Standard", extra.get("stock", 10))]
            for position, (label, stock) in enumerate(sizes):
                m.Variant.objects.create(
                    product=product,
                    label=label,
                    sku=f"{slug}-{label}".upper().replace(" ", ""),
                    mrp=product.mrp,
                    price=product.price,
                    stock=stock,
                    position=position,
                )

    def _redemptions(self) -> None:
        """Coupons, a gift card, points, credit, stores and the shopper's saved address: every
        redemption can be tried at once."""
        now = timezone.now()
        coupons = [
            (
                "WELCOME10",
                "10% off your order",
                "Up to ₹200 off on orders of ₹500 or more",
                m.Coupon.Kind.PERCENT,
                "10",
                "200",
                "500",
                None,
                1,
                None,
            ),
            (
                "FLAT100",
                "₹100 off",
                "On orders of ₹999 or more",
                m.Coupon.Kind.FLAT,
                "100",
                None,
                "999",
                None,
                None,
                None,
            ),
            (
                "STYLE20",
                "20% off fashion and footwear",
                "Up to ₹500 off on clothes and shoes",
                m.Coupon.Kind.PERCENT,
                "20",
                "500",
                "0",
                None,
                None,
                ("fashion", "footwear"),
            ),
            (
                "DIWALI50",
                "₹50 off (festive)",
                "Festive offer, now over",
                m.Coupon.Kind.FLAT,
                "50",
                None,
                "0",
                now - timedelta(days=1),
                None,
                None,
            ),
        ]
        for code, title, description, kind, value, cap, minimum, until, per_customer, scope in coupons:
            coupon, created = m.Coupon.objects.get_or_create(
                code=code,
                defaults={
                    "title": title,
                    "description": description,
                    "kind": kind,
                    "value": Decimal(value),
                    "max_discount": Decimal(cap) if cap else None,
                    "min_cart_value": Decimal(minimum),
                    "valid_until": until,
                    "per_customer_limit": per_customer,
                },
            )
            if created and scope:
                coupon.categories.set(m.Category.objects.filter(slug__in=scope))
        m.GiftCard.objects.get_or_create(
            code="GIFT-DEMO-0001", defaults={"pin_hash": make_password("1234"), "balance": Decimal("500.00")}
        )
        for name, address, city, state, pincode, phone in [
            (
                "Kirana & Co. MG Road",
                "12 MG Road, near Trinity Metro",
                "Bengaluru",
                "Karnataka",
                "560001",
                "8040001234",
            ),
            (
                "Kirana & Co. Connaught Place",
                "F-14 Inner Circle",
                "New Delhi",
                "Delhi",
                "110001",
                "1140005678",
            ),
            ("Kirana & Co. Fort", "21 Hornby Road", "Mumbai", "Maharashtra", "400001", "2240009876"),
        ]:
            m.Store.objects.get_or_create(
                name=name,
                defaults={
                    "address": address,
                    "city": city,
                    "state": state,
                    "pincode": pincode,
                    "phone": phone,
                },
            )
        shopper = get_user_model().objects.get(username="shopper@demo.local")
        m.LoyaltyAccount.objects.get_or_create(user=shopper, defaults={"points": 800})
        m.StoreCredit.objects.get_or_create(user=shopper, defaults={"balance": Decimal("250.00")})
        if not m.Address.objects.filter(user=shopper).exists():
            m.Address.objects.create(
                user=shopper,
                name="Asha Rao",
                phone="9876543210",
                line1="42, 3rd Cross, Indiranagar",
                line2="Near 100 Feet Road",
                city="Bengaluru",
                state="Karnataka",
                pincode="560001",
            )

    def _voucher_wallet(self) -> None:
        """At least VOUCHER_WALLET_POINTS points for the demo customer (never fewer than they have)."""
        shopper = get_user_model().objects.get(username="shopper@demo.local")
        m.LoyaltyAccount.objects.filter(user=shopper, points__lt=VOUCHER_WALLET_POINTS).update(
            points=VOUCHER_WALLET_POINTS
        )

    def _pincodes(self) -> None:
        for code, city, state, serviceable, low, high in PINCODES:
            m.Pincode.objects.update_or_create(
                code=code,
                defaults={
                    "city": city,
                    "state": state,
                    "serviceable": serviceable,
                    "min_days": low,
                    "max_days": high,
                },
            )

    def _users(self, password: str) -> None:
        User = get_user_model()
        # assisted selling: staff@demo.local builds carts for customers; lead@demo.local may also
        # place the order for them (carts.place_order_on_behalf)
        assist = Permission.objects.get(codename="assist_customer", content_type__app_label="carts")
        place = Permission.objects.get(codename="place_order_on_behalf", content_type__app_label="carts")
        for email, first_name, staff, perms in (
            ("shopper@demo.local", "Asha", False, ()),
            ("staff@demo.local", "Ravi", True, (assist,)),
            ("lead@demo.local", "Priya", True, (assist, place)),
        ):
            user, created = User.objects.get_or_create(
                username=email, defaults={"email": email, "first_name": first_name, "is_staff": staff}
            )
            if created:
                user.set_password(password)
                user.save()
            if staff:
                user.user_permissions.add(*perms)
                StaffProfile.objects.get_or_create(
                    user=user, defaults={"display_name": first_name, "store_name": "Indiranagar"}
                )
            else:
                CustomerRecord.objects.get_or_create(user=user, defaults={"phone": "9876543210"})
