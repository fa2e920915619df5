"""Seed data of the fake Commerce Engine server: one store, its catalogue, coupons, a promotion,
customers with loyalty points and store credit, pickup stores and gift cards.

Everything here is simulator data (commerce_engine.md §5 "SIM"); the shapes the server emits are built
in the other modules from these records. Amounts are strings turned into Decimal by the server.
"""

from __future__ import annotations

from typing import Any

STORE_ID = "01JCESTORE0000000000000001"
API_KEY = "ce-test-api-key-7f3a"
OTHER_STORE_ID = "01JCESTORE0000000000000002"  # exists only to show the key is per store

CURRENCY = {"name": "Indian Rupee", "code": "INR", "symbol": "₹"}

CATEGORIES: list[dict[str, Any]] = [
    {"id": "01JCECAT000000000000000001", "name": "Clothing", "slug": "clothing", "parent": None},
    {
        "id": "01JCECAT000000000000000002",
        "name": "Kurtas",
        "slug": "kurtas",
        "parent": "01JCECAT000000000000000001",
    },
    {"id": "01JCECAT000000000000000003", "name": "Grocery", "slug": "grocery", "parent": None},
    {"id": "01JCECAT000000000000000004", "name": "Home", "slug": "home", "parent": None},
]
CAT = {c["slug"]: c["id"] for c in CATEGORIES}


def _pricing(
    selling: str,
    listing: str,
    tax_rate: str = "5",
    *,
    including: bool = False,
    min_qty: int = 1,
    max_qty: int | None = None,
    step: int = 1,
) -> dict[str, Any]:
    return {
        "selling_price": selling,
        "listing_price": listing,
        "tax_rate": tax_rate,
        "price_including_tax": including,
        "min_order_quantity": min_qty,
        "max_order_quantity": max_qty,
        "incremental_quantity": step,
    }


def _variant(vid: str, sku: str, slug: str, name: str, options: dict, stock: int, **pricing: Any) -> dict:
    return {"id": vid, "sku": sku, "slug": slug, "name": name, "options": options, "stock": stock, **pricing}


_SIZE = {"key": "size", "name": "Size", "type": "single-select"}
_COLOUR = {"key": "colour", "name": "Colour", "type": "color"}

# Products, in the default listing order. `stock` is units on hand (0 = out of stock); a product with
# variants keeps stock per variant. `pricing` of a variant overrides the product's when given.
PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "01JCEPRD000000000000000001",
        "sku": "KURTA-COT",
        "name": "Cotton Kurta",
        "slug": "cotton-kurta",
        "short_description": "Hand-block printed cotton kurta.",
        "product_type": "physical",
        "categories": ["clothing", "kurtas"],
        "tags": ["cotton", "ethnic"],
        "pricing": _pricing("999", "1299", "5"),
        "options": [
            {**_SIZE, "values": ["S", "M", "L"]},
            {**_COLOUR, "values": [{"name": "Indigo", "hexcode": "#3F51B5"}]},
        ],
        "variants": [
            _variant(
                "01JCEVAR000000000000000011",
                "KURTA-COT-S",
                "cotton-kurta-s",
                "Cotton Kurta S",
                {"size": "S", "colour": "Indigo"},
                5,
            ),
            _variant(
                "01JCEVAR000000000000000012",
                "KURTA-COT-M",
                "cotton-kurta-m",
                "Cotton Kurta M",
                {"size": "M", "colour": "Indigo"},
                2,
                max_qty=2,
            ),
            _variant(
                "01JCEVAR000000000000000013",
                "KURTA-COT-L",
                "cotton-kurta-l",
                "Cotton Kurta L",
                {"size": "L", "colour": "Indigo"},
                0,
            ),
        ],
        "rating": (18, 4),
    },
    {
        "id": "01JCEPRD000000000000000002",
        "sku": "RICE-BAS-5",
        "name": "Basmati Rice 5 kg",
        "slug": "basmati-rice-5kg",
        "short_description": "Aged long-grain basmati.",
        "product_type": "physical",
        "categories": ["grocery"],
        "tags": ["staples"],
        "pricing": _pricing("649", "720", "5", max_qty=5),
        "stock": 40,
        "rating": (9, 2),
    },
    {
        "id": "01JCEPRD000000000000000003",
        "sku": "TEA-MAS-250",
        "name": "Masala Tea 250 g",
        "slug": "masala-tea-250g",
        "short_description": "Sold in twos; up to ten.",
        "product_type": "physical",
        "categories": ["grocery"],
        "tags": ["tea"],
        "pricing": _pricing("236", "236", "5", including=True, min_qty=2, max_qty=10, step=2),
        "stock": 30,
        "rating": (0, 0),
    },
    {
        "id": "01JCEPRD000000000000000004",
        "sku": "BOTTLE-STL",
        "name": "Steel Water Bottle",
        "slug": "steel-water-bottle",
        "short_description": "1 litre, double wall.",
        "product_type": "physical",
        "categories": ["home"],
        "tags": ["kitchen"],
        "pricing": _pricing("499", "599", "18"),
        "stock": 0,
        "rating": (5, 1),
    },
    {
        "id": "01JCEPRD000000000000000005",
        "sku": "DIYA-BRS-4",
        "name": "Brass Diya Set of 4",
        "slug": "brass-diya-set",
        "short_description": "Festive brass lamps.",
        "product_type": "physical",
        "categories": ["home"],
        "tags": ["festive", "brass"],
        "pricing": _pricing("1180", "1500", "12", including=True),
        "stock": 12,
        "rating": (14, 3),
    },
    {
        "id": "01JCEPRD000000000000000006",
        "sku": "SAREE-SLK",
        "name": "Silk Saree",
        "slug": "silk-saree",
        "short_description": "Banarasi silk with zari border.",
        "product_type": "physical",
        "categories": ["clothing"],
        "tags": ["silk", "ethnic"],
        "pricing": _pricing("4999", "6500", "12"),
        "stock": 3,
        "rating": (10, 2),
    },
    {
        "id": "01JCEPRD000000000000000007",
        "sku": "GHEE-500",
        "name": "Desi Ghee 500 ml",
        "slug": "desi-ghee-500ml",
        "short_description": "Cow ghee.",
        "product_type": "physical",
        "categories": ["grocery"],
        "tags": ["staples"],
        "pricing": _pricing("325.50", "350", "12"),
        "stock": 25,
        "rating": (4, 1),
    },
    {
        "id": "01JCEPRD000000000000000008",
        "sku": "CUSHION-CV",
        "name": "Cushion Cover",
        "slug": "cushion-cover",
        "short_description": "Block-printed, 16 inch.",
        "product_type": "physical",
        "categories": ["home"],
        "tags": ["decor"],
        "pricing": _pricing("299", "399", "12"),
        "options": [
            {
                **_COLOUR,
                "values": [{"name": "Red", "hexcode": "#C62828"}, {"name": "Blue", "hexcode": "#1565C0"}],
            }
        ],
        "variants": [
            _variant(
                "01JCEVAR000000000000000081",
                "CUSHION-CV-RED",
                "cushion-cover-red",
                "Cushion Cover Red",
                {"colour": "Red"},
                20,
            ),
            _variant(
                "01JCEVAR000000000000000082",
                "CUSHION-CV-BLU",
                "cushion-cover-blue",
                "Cushion Cover Blue",
                {"colour": "Blue"},
                20,
                selling="279",
                listing="399",
            ),
        ],
        "rating": (6, 2),
    },
]

# Coupons (OAS Coupon: common part + type part). SIM extras kept out of the emitted shape:
# `login_required` (SKILL: "some coupons require a logged-in user") and `category` (slug) for
# category-scoped discounts. Dates are days relative to the server's "now" (None = open).
COUPONS: list[dict[str, Any]] = [
    {
        "id": "01JCECPN000000000000000001",
        "name": "Flat ₹100 off",
        "description": "₹100 off orders of ₹500 or more.",
        "coupon_code": ["FLAT100OFF"],
        "coupon_type": "discount",
        "discount_type": "fixed-amount",
        "amount": "100",
        "minimum_order_total": "500",
        "starts_days": -30,
        "expires_days": 30,
    },
    {
        "id": "01JCECPN000000000000000002",
        "name": "10% off",
        "description": "10% off everything, up to ₹200.",
        "coupon_code": ["SAVE10"],
        "coupon_type": "discount",
        "discount_type": "percentage",
        "percent": "10",
        "maximum_discount_amount": "200",
        "minimum_order_total": "0",
        "starts_days": -30,
        "expires_days": None,
    },
    {
        "id": "01JCECPN000000000000000003",
        "name": "Free shipping",
        "description": "Shipping on us.",
        "coupon_code": ["FREESHIP"],
        "coupon_type": "free-shipping",
        "minimum_order_total": "0",
        "starts_days": -30,
        "expires_days": None,
    },
    {
        "id": "01JCECPN000000000000000004",
        "name": "Members 20% off",
        "description": "20% off for signed-in customers, up to ₹500.",
        "coupon_code": ["MEMBER20"],
        "coupon_type": "discount",
        "discount_type": "percentage",
        "percent": "20",
        "maximum_discount_amount": "500",
        "minimum_order_total": "0",
        "starts_days": -30,
        "expires_days": None,
        "login_required": True,
        "tags": ["members"],
    },
    {
        "id": "01JCECPN000000000000000005",
        "name": "Kurta week",
        "description": "15% off clothing.",
        "coupon_code": ["KURTA15"],
        "coupon_type": "discount",
        "discount_type": "percentage",
        "percent": "15",
        "maximum_discount_amount": None,
        "minimum_order_total": "0",
        "applies_to_product": "category",
        "category": "clothing",
        "starts_days": -30,
        "expires_days": None,
    },
    {
        "id": "01JCECPN000000000000000006",
        "name": "Summer sale (ended)",
        "description": "₹50 off.",
        "coupon_code": ["SUMMER50"],
        "coupon_type": "discount",
        "discount_type": "fixed-amount",
        "amount": "50",
        "minimum_order_total": "0",
        "starts_days": -120,
        "expires_days": -1,
    },
    {
        "id": "01JCECPN000000000000000007",
        "name": "First 100 orders",
        "description": "₹75 off; all used up.",
        "coupon_code": ["EARLY75"],
        "coupon_type": "discount",
        "discount_type": "fixed-amount",
        "amount": "75",
        "minimum_order_total": "0",
        "starts_days": -60,
        "expires_days": None,
        "redemption_limits": {
            "total_redemptions": 100,
            "per_customer_redemptions": 1,
            "per_coupon_code_redemptions": 100,
        },
        "redemption_count": 100,
    },
    {
        "id": "01JCECPN000000000000000008",
        "name": "Everything free",
        "description": "₹100,000 off (test coupon that covers a whole order).",
        "coupon_code": ["FULLCOVER"],
        "coupon_type": "discount",
        "discount_type": "fixed-amount",
        "amount": "100000",
        "minimum_order_total": "0",
        "starts_days": -1,
        "expires_days": None,
    },
]

# Automatic promotions (OAS Promotion). One by default: 5% off Home products.
PROMOTIONS: list[dict[str, Any]] = [
    {
        "id": "01JCEPROMO0000000000000001",
        "name": "Festive home 5% off",
        "description": "5% off Home products, applied automatically.",
        "promotion_type": "discount",
        "discount_type": "percentage",
        "percent": "5",
        "category": "home",
        "starts_days": -10,
        "expires_days": None,
    },
]

# Customers that can sign in with an OTP. `credit` is store credit in rupees (no storefront endpoint
# returns it, §4 "Credit balance"), `points` the loyalty balance.
CUSTOMERS: list[dict[str, Any]] = [
    {
        "id": "01JCEUSR000000000000000001",
        "customer_id": "01JCECUS000000000000000001",
        "first_name": "Asha",
        "last_name": "Rao",
        "email": "asha@example.in",
        "phone": "9876543210",
        "points": 500,
        "credit": "300",
        "addresses": [
            {
                "id": "01JCEADR000000000000000001",
                "first_name": "Asha",
                "last_name": "Rao",
                "country_code": "+91",
                "phone": "9876543210",
                "email": "asha@example.in",
                "address_line1": "12 MG Road",
                "address_line2": None,
                "landmark": None,
                "pincode": "560001",
                "city": "Bengaluru",
                "state": "Karnataka",
                "country": "India",
                "tax_identification_number": None,
                "business_name": None,
                "is_default_billing": True,
                "is_default_shipping": True,
                "nickname": "Home",
            }
        ],
    },
    {
        "id": "01JCEUSR000000000000000002",
        "customer_id": "01JCECUS000000000000000002",
        "first_name": "Vikram",
        "last_name": "Shah",
        "email": "vikram@example.in",
        "phone": "9123456780",
        "points": 0,
        "credit": "0",
        "addresses": [],
    },
]

PICKUP_LOCATIONS: list[dict[str, Any]] = [
    {
        "id": "01JCESTR000000000000000001",
        "name": "Indiranagar store",
        "distance_km": 3.2,
        "collect_eta_minutes": 120,
        "address": {
            "address_line1": "100 Feet Road",
            "city": "Bengaluru",
            "state": "Karnataka",
            "pincode": "560038",
        },
    },
]

SHIPPING_PROVIDER = {"id": "01JCESHP000000000000000001", "name": "Shiprocket"}
COURIER = {"id": "01JCECOU000000000000000001", "name": "Delhivery"}

# Gift cards (SIM, older docs only): code → balance and pin.
GIFT_CARDS: dict[str, dict[str, str]] = {
    "GIFT-1000-AAAA": {"balance": "1000", "pin": "4321"},
    "GIFT-0250-BBBB": {"balance": "250", "pin": "1111"},
    "GIFT-EMPTY-CCC": {"balance": "0", "pin": "0000"},
}

UNSERVICEABLE_PINCODES = {"999999", "110099"}
