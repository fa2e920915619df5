"""The local voucher provider's demo catalogue: fictional brands, their denominations and logos
(SVGs drawn here; `python -m storefront.providers.local.voucher_demo` writes static/img/vouchers/).

`seed_vouchers()` (called by `manage.py seed_demo`) creates what is missing and never changes a
brand or denomination an operator edited: running it twice changes nothing."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

# slug, name, category, colour, [(face value, discount %, max quantity)...],
# custom amount (min, max, discount %) or None, expiry days, fulfil seconds, description, terms, how to redeem
BRANDS = [
    (
        "fresh-basket",
        "Fresh Basket",
        "Groceries",
        "#13836a",
        [(250, "3", 10), (500, "3", 10), (1000, "4", 5)],
        (200, 5000, "3"),
        365,
        3,
        "<p>Fruit, vegetables and pantry staples delivered the same day in 40 cities.</p>"
        "<ul><li>Valid on the app and website</li><li>Use several vouchers on one order</li></ul>",
        "Valid for 12 months from issue. Cannot be exchanged for cash. Not valid on alcohol or tobacco.\n"
        "Lost or stolen vouchers cannot be replaced.",
        "Add items to your basket.\nAt payment, choose Gift voucher and enter the card number and pin.",
    ),
    (
        "booknook",
        "BookNook",
        "Books & Stationery",
        "#7a4b9a",
        [(100, "5", 20), (250, "5", 20), (500, "6", 10)],
        None,
        365,
        3,
        "<p>Books in English, Hindi, Kannada and Tamil, and everything for the desk.</p>",
        "Valid for 12 months. Balance stays on the voucher for the next purchase.",
        "Show the card number and pin at any BookNook store, or enter them at checkout on booknook.example.",
    ),
    (
        "cinemahall",
        "CinemaHall",
        "Entertainment",
        "#c2410c",
        [(200, "8", 10), (500, "8", 10)],
        None,
        180,
        4,
        "<p>Movie tickets and snacks at 300 screens. <strong>Weekday shows save more.</strong></p>",
        "Valid for 6 months. One voucher per booking. Convenience fees are not covered.",
        "Book your seats, choose Pay with voucher, enter the card number and pin.",
    ),
    (
        "stylestreet",
        "StyleStreet",
        "Fashion",
        "#be185d",
        [(500, "10", 5), (1000, "10", 5), (2000, "12", 3)],
        (500, 10000, "10"),
        365,
        3,
        "<p>Clothes, shoes and accessories from 400 labels.</p>",
        "Valid for 12 months on full-price and sale items. Not valid on gift cards.",
        "Online: enter the card number and pin at checkout. In store: show them at the till.",
    ),
    (
        "travel-trails",
        "Travel Trails",
        "Travel",
        "#1d4ed8",
        [(1000, "2", 5), (2500, "2.5", 4), (5000, "3", 2)],
        None,
        365,
        5,
        "<p>Flights, trains, buses and hotels across India.</p>",
        "Valid for 12 months. Can be combined with up to two more vouchers per booking.",
        "At payment choose Gift card, then enter the card number and pin.",
    ),
    (
        "cafe-kaapi",
        "Café Kaapi",
        "Food & Dining",
        "#92400e",
        [(100, "4", 20), (250, "4", 20), (500, "5", 10)],
        None,
        90,
        2,
        "<p>Filter coffee, snacks and breakfast at 120 cafés in the south.</p>",
        "Valid for 90 days. Not valid with other offers.",
        "Show the card number and pin at the counter before you pay.",
    ),
    (
        "gadgethub",
        "GadgetHub",
        "Electronics",
        "#0f172a",
        [(1000, "1.5", 5), (2000, "1.5", 5), (5000, "2", 2)],
        None,
        365,
        4,
        "<p>Phones, laptops, audio and accessories with next-day delivery.</p>",
        "Valid for 12 months. Not valid on gold coins or gift cards.",
        "Enter the card number and pin in the Gift voucher box at checkout.",
    ),
    (
        "spa-serenity",
        "Spa Serenity",
        "Wellness",
        "#0e7490",
        [(500, "7", 5), (1500, "7", 5)],
        (500, 5000, "7"),
        180,
        3,
        "<p>Massages, facials and salon services at 60 spas.</p>",
        "Valid for 6 months. Appointment needed; 24 hours' notice to cancel.",
        "Quote the card number when you book; give the pin at the spa.",
    ),
]


def logo_path(slug: str) -> str:
    return f"/static/img/vouchers/{slug}.svg"


def logo_svg(name: str, colour: str) -> str:
    initials = "".join(word[0] for word in name.replace("&", " ").split()[:2]).upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 200" role="img" '
        f'aria-label="{escape(name)}"><rect width="320" height="200" rx="24" fill="{colour}"/>'
        '<circle cx="262" cy="46" r="70" fill="#fff" fill-opacity=".12"/>'
        '<circle cx="40" cy="190" r="60" fill="#fff" fill-opacity=".10"/>'
        f'<text x="28" y="92" font-family="Segoe UI, Roboto, Arial, sans-serif" font-size="56" '
        f'font-weight="800" fill="#fff">{escape(initials)}</text>'
        f'<text x="28" y="150" font-family="Segoe UI, Roboto, Arial, sans-serif" font-size="28" '
        f'font-weight="600" fill="#fff">{escape(name)}</text></svg>\n'
    )


def seed_vouchers() -> int:
    """Create the demo brands and denominations that are missing; returns how many brands exist."""
    from . import voucher_models as vm

    for rank, (
        slug,
        name,
        category,
        _colour,
        options,
        custom,
        expiry,
        wait,
        text,
        terms,
        redeem,
    ) in enumerate(BRANDS):
        low, high, custom_discount = custom or (0, 0, "0")
        brand, created = vm.LocalVoucherBrand.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "logo": logo_path(slug),
                "description": text,
                "terms": terms,
                "how_to_redeem": redeem,
                "expiry_days": expiry,
                "rank": rank,
                "custom_min": low,
                "custom_max": high,
                "custom_discount": Decimal(custom_discount),
                "fulfil_seconds": wait,
            },
        )
        if not created:
            continue  # an operator may have changed it: leave it be
        for face, discount, most in options:
            vm.LocalVoucherDenomination.objects.create(
                brand=brand, face_value=face, discount=Decimal(discount), max_quantity=most
            )
    return vm.LocalVoucherBrand.objects.count()


def write_logos(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for slug, name, _category, colour, *_rest in BRANDS:
        (folder / f"{slug}.svg").write_text(logo_svg(name, colour))


if __name__ == "__main__":
    write_logos(Path(__file__).resolve().parents[3] / "static" / "img" / "vouchers")
