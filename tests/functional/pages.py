"""Read what a page shows through the contract's markers (STOREFRONT_CONTRACT.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: list[Element]
    text: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return " ".join("".join(self.text).split())

    def inside(self, attr: str) -> Element | None:
        """The nearest enclosing element that has `attr`."""
        return next((p for p in reversed(self.parents) if attr in p.attrs), None)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, list(self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, list(self.stack)))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text.append(data)


class Page:
    def __init__(self, html: str | bytes):
        self.html = html.decode() if isinstance(html, bytes) else html
        collector = _Collector()
        collector.feed(self.html)
        collector.close()
        self.elements = collector.elements

    def having(self, attr: str) -> list[Element]:
        return [e for e in self.elements if attr in e.attrs]

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.attrs.get("id") == element_id), None)

    @property
    def is_fragment(self) -> bool:
        return "<html" not in self.html.lower() and "<body" not in self.html.lower()

    @property
    def cart_count(self) -> int | None:
        badges = self.having("data-cart-count")
        return int(badges[0].attrs["data-cart-count"]) if badges else None

    @property
    def line_quantities(self) -> dict[str, int]:
        """{line id: quantity}, each quantity read from inside its line's root element."""
        found = {}
        for element in self.having("data-line-quantity"):
            line = element.inside("data-line-id")
            assert line is not None, "data-line-quantity outside a data-line-id element"
            found[line.attrs["data-line-id"]] = int(element.attrs["data-line-quantity"])
        lines = [e.attrs["data-line-id"] for e in self.having("data-line-id")]
        assert sorted(lines) == sorted(found), "every line shows its quantity"
        return found

    @property
    def line_ids(self) -> list[str]:
        return [e.attrs["data-line-id"] for e in self.having("data-line-id")]

    def line(self, line_id: str) -> Element:
        return next(e for e in self.having("data-line-id") if e.attrs["data-line-id"] == line_id)

    @property
    def breakup(self) -> list[tuple[str, str]]:
        """[(key, plain amount)] in page order."""
        rows = self.having("data-breakup-key")
        return [(e.attrs["data-breakup-key"], e.attrs["data-amount"]) for e in rows]

    def amount(self, key: str) -> Decimal:
        return Decimal(dict(self.breakup)[key])

    @property
    def alerts(self) -> list[tuple[str, str]]:
        """[(level, text)] of every message shown (role="alert" with data-message-level)."""
        return [
            (e.attrs.get("data-message-level", ""), e.content)
            for e in self.elements
            if e.attrs.get("role") == "alert"
        ]

    def alerts_inside(self, line_id: str) -> list[tuple[str, str]]:
        return [
            (e.attrs.get("data-message-level", ""), e.content)
            for e in self.elements
            if e.attrs.get("role") == "alert"
            and (p := e.inside("data-line-id")) is not None
            and p.attrs["data-line-id"] == line_id
        ]

    @property
    def oob_ids(self) -> list[str]:
        return [e.attrs.get("id", "") for e in self.having("hx-swap-oob")]

    def delivery(self, within: str | None = None) -> list[tuple[str, str]]:
        """[(min, max)] of the delivery promises shown, optionally only those inside element id `within`
        (or inside the line with that data-line-id)."""
        found = []
        for e in self.having("data-delivery-min"):
            if within is not None and not any(
                p.attrs.get("id") == within or p.attrs.get("data-line-id") == within for p in e.parents
            ):
                continue
            found.append((e.attrs["data-delivery-min"], e.attrs["data-delivery-max"]))
        return found

    def forms(self, action: str) -> list[Element]:
        return [e for e in self.elements if e.tag == "form" and e.attrs.get("data-action") == action]


def add_via_form(client, shop, slug: str, *, label: str | None = None, quantity: int | None = None):
    """Post the product page's add-to-cart form the way a browser without JavaScript does."""
    variant = shop.variant(slug, label)
    product = variant.product
    data = {"product": str(product.pk), "quantity": product.min_quantity if quantity is None else quantity}
    if product.has_sizes:
        data["size"] = str(variant.pk)
    response = client.post("/cart/add/", data)
    assert response.status_code == 303, response.content[:500]
    return response


def cart_page(client) -> Page:
    response = client.get("/cart/")
    assert response.status_code == 200
    return Page(response.content)


CART_OOB_PARTS = {"price-breakup", "delivery-promise", "cart-summary-count", "messages"}


def cart_fragment(response, *, status: int = 200) -> Page:
    """An htmx answer from a cart mutation: the #cart-lines swap target first, the other cart
    regions and the messages out of band, never a whole page."""
    assert response.status_code == status, response.content[:300]
    page = Page(response.content)
    assert page.is_fragment, "an htmx request must get fragments, not a page"
    first = next(e for e in page.elements if "id" in e.attrs)
    assert first.attrs["id"] == "cart-lines"
    assert "hx-swap-oob" not in first.attrs
    assert set(page.oob_ids) >= CART_OOB_PARTS
    return page


def cart_changed(response) -> bool:
    return "cart-updated" in response.headers.get("HX-Trigger", "")


def follow(client, response, *, to: str = "/cart/") -> Page:
    """A no-JavaScript answer: a 303 back to the page, which then shows the message."""
    assert response.status_code == 303, response.content[:300]
    assert response["Location"] == to
    page = client.get(response["Location"])
    assert page.status_code == 200
    return Page(page.content)


def snapshot(client) -> tuple[dict[str, int], list[tuple[str, str]], int | None]:
    """What the cart page shows: line quantities, the breakup and the badge count."""
    page = cart_page(client)
    return page.line_quantities, page.breakup, page.cart_count
