"""Product images for the demo catalogue, drawn as SVG here (nothing is downloaded).

Run `python -m storefront.providers.local.images` to regenerate static/img/products/.
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path

from .demo_data import CATEGORIES, PRODUCTS

GLYPHS = {
    "bag": '<path d="M110 150h180l-18 170a20 20 0 0 1-20 18H148a20 20 0 0 1-20-18z" fill="{c}"/>'
    '<path d="M160 150v-20a40 40 0 0 1 80 0v20" fill="none" stroke="{d}" stroke-width="14" stroke-linecap="round"/>',
    "shirt": '<path d="M150 100l-70 40 25 55 30-14v160h130V181l30 14 25-55-70-40c-8 22-30 34-50 34s-42-12-50-34z" fill="{c}"/>',
    "shoe": '<path d="M80 250c0-40 10-90 30-110l40 10c10 30 40 45 80 50l70 15c30 6 45 25 45 50v25H80z" fill="{c}"/>'
    '<rect x="80" y="280" width="265" height="22" rx="8" fill="{d}"/>',
    "pot": '<rect x="95" y="170" width="210" height="130" rx="30" fill="{c}"/><rect x="80" y="150" width="240" height="28" rx="12" fill="{d}"/>'
    '<rect x="175" y="118" width="50" height="28" rx="10" fill="{d}"/>',
    "bottle": '<rect x="150" y="150" width="100" height="180" rx="26" fill="{c}"/><rect x="172" y="100" width="56" height="56" rx="10" fill="{d}"/>',
    "phone": '<rect x="140" y="80" width="120" height="240" rx="22" fill="{d}"/><rect x="152" y="100" width="96" height="190" rx="8" fill="{c}"/>',
    "book": '<path d="M90 120h100a20 20 0 0 1 20 20v190a20 20 0 0 0-20-20H90z" fill="{c}"/>'
    '<path d="M310 120H230a20 20 0 0 0-20 20v190a20 20 0 0 1 20-20h80z" fill="{d}"/>',
}


def _tone(slug: str) -> tuple[str, str]:
    digest = hashlib.sha256(slug.encode()).digest()
    hue = digest[0] * 360 // 256
    return f"hsl({hue} 55% 52%)", f"hsl({hue} 50% 32%)"


def product_svg(slug: str, name: str, brand: str, category: str) -> str:
    bg, glyph = next((c[2], c[3]) for c in CATEGORIES if c[0] == category)
    colour, dark = _tone(slug)
    shape = GLYPHS[glyph].format(c=colour, d=dark)
    label = escape(brand.upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" role="img" '
        f'aria-label="{escape(name)}"><rect width="400" height="400" fill="{bg}"/>'
        f'<circle cx="200" cy="210" r="150" fill="#fff" opacity=".55"/>{shape}'
        f'<text x="200" y="375" text-anchor="middle" font-family="system-ui,sans-serif" font-size="22" '
        f'font-weight="700" fill="{dark}" letter-spacing="2">{label}</text></svg>\n'
    )


def image_path(slug: str) -> str:
    return f"img/products/{slug}.svg"


def write_all(static_dir: Path) -> int:
    target = static_dir / "img" / "products"
    target.mkdir(parents=True, exist_ok=True)
    for slug, name, brand, category, *_ in PRODUCTS:
        (target / f"{slug}.svg").write_text(product_svg(slug, name, brand, category))
    return len(PRODUCTS)


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[3] / "static"
    print(f"wrote {write_all(root)} images to {root / 'img' / 'products'}")
