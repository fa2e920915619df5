"""The header's product search box shows the product search term, and only that: another page's
`q` (the voucher search, the staff console's customer lookup) never lands in it."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def _header_search_value(html: str) -> str:
    return re.search(r'id="site-search"[^>]*value="([^"]*)"', html).group(1)


def test_the_product_search_term_stays_in_the_header_box(client, demo):
    page = client.get("/products/", {"q": "dal"}).content.decode()

    assert _header_search_value(page) == "dal"


def test_a_staff_lookup_does_not_fill_the_product_search_box(client, demo):
    client.login(request=RequestFactory().post("/"), username="staff@demo.local", password="demo-pass-123")

    page = client.get("/staff/", {"q": "shopper@demo.local"}).content.decode()

    assert "shopper@demo.local" in page  # the console's own field keeps it
    assert _header_search_value(page) == ""
