from unittest import mock

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from storefront import urlcache
from storefront.urlcache import reverse_once


@pytest.fixture(autouse=True)
def _fresh_memo():
    reverse_once.cache_clear()
    yield
    reverse_once.cache_clear()
    set_script_prefix("/")


def test_same_urls_as_reverse():
    assert reverse_once("carts:cart") == reverse("carts:cart")
    assert reverse_once("checkout") == reverse("checkout")
    assert reverse_once("carts:shared-cart", "tok") == reverse("carts:shared-cart", args=["tok"])
    assert reverse_once("carts:shared-cart", token="tok") == reverse("carts:shared-cart", args=["tok"])


def test_a_name_is_reversed_once():
    with mock.patch.object(urlcache, "reverse", wraps=reverse) as spy:
        first = reverse_once("carts:cart")
        second = reverse_once("carts:cart")

    assert first == second == "/cart/"
    assert spy.call_count == 1


def test_each_script_prefix_gets_its_own_url():
    # a server mounted under a prefix (SCRIPT_NAME) must not be handed the root's URL
    assert reverse_once("carts:cart") == "/cart/"
    set_script_prefix("/shop/")

    assert reverse_once("carts:cart") == "/shop/cart/"


def test_an_unknown_name_raises_every_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            reverse_once("carts:no-such-page")
