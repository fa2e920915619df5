"""Every write that changes what the catalogue cache holds replaces the catalogue version once it
commits, and the next cart read shows the change; stock, read fresh with every cart, shows at once
and leaves the version (and every process's cache) alone.

`committed` runs the transaction's on-commit callbacks, as a real commit would: the tests' own
transaction never commits. Each test first reads the cart, so the process holds the catalogue."""

from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import TestCase

from carts import selectors
from storefront.providers import get_shop_provider
from storefront.providers.local import catalogue_version
from storefront.providers.local import models as m
from storefront.providers.local.catalogue_version import VERSION_KEY
from tests.checkout_kit import place, with_address
from tests.factories import add, line_for

D = Decimal


@contextmanager
def committed():
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        yield callbacks


def version() -> str | None:
    return cache.get(VERSION_KEY)


@pytest.fixture
def dal(cs, demo) -> m.Variant:
    """A cart holding 2 bags of toor dal, read once (the process now holds the catalogue)."""
    variant = demo.variant("toor-dal-1kg")
    add(cs, demo, "toor-dal-1kg", quantity=2)
    assert line_for(selectors.cart_get(cs=cs), variant).unit_price == D("179.00")
    assert version() is not None
    return variant


def line(cs, variant):
    return line_for(selectors.cart_get(cs=cs), variant)


# ---------------------------------------------------------------------------- catalogue writes


def test_saving_a_product_bumps_the_version_and_the_cart_shows_the_new_name(cs, dal):
    before = version()
    product = dal.product

    with committed():
        product.name = "Toor Dal, stone ground, 1 kg"
        product.save()

    assert version() != before
    assert line(cs, dal).product.name == "Toor Dal, stone ground, 1 kg"


def test_a_queryset_update_of_a_price_bumps_the_version_and_the_cart_shows_the_new_price(cs, dal):
    before = version()

    with committed():
        m.Variant.objects.filter(pk=dal.pk).update(price=D("165.00"))

    assert version() != before
    shown = line(cs, dal)
    assert shown.unit_price == D("165.00")
    assert shown.line_total == D("330.00")


def test_the_version_changes_only_when_the_write_commits(cs, dal):
    before = version()

    with committed() as callbacks:
        m.Variant.objects.filter(pk=dal.pk).update(price=D("160.00"))
        m.Product.objects.filter(pk=dal.product_id).update(name="Toor Dal (new crop)")
        # before the commit: other processes keep the version; this transaction sees its rows
        assert version() == before
        assert line(cs, dal).unit_price == D("160.00")

    assert len(callbacks) == 1, "one bump per transaction however many rows change"
    assert version() != before


def test_bulk_writes_deletes_and_new_rows_bump_the_version(demo):
    dal = demo.variant("toor-dal-1kg")
    brand, category = dal.product.brand, dal.product.category
    writes = [
        lambda: m.Variant.objects.bulk_update([m.Variant(pk=dal.pk, mrp=D("215.00"))], ["mrp"]),
        lambda: m.Brand.objects.filter(pk=brand.pk).update(name="Desi Farms Co."),
        lambda: m.Category.objects.filter(pk=category.pk).update(name="Staples"),
        lambda: m.Variant.objects.create(
            product=dal.product, label="2 kg", sku="TOOR-2KG", mrp=D("400"), price=D("350")
        ),
        lambda: m.Variant.objects.filter(sku="TOOR-2KG").delete(),
        lambda: m.Brand.objects.bulk_create([m.Brand(slug="new-brand", name="New Brand")]),
        lambda: m.Brand.objects.get(slug="new-brand").delete(),
    ]
    for write in writes:
        before = version()
        with committed():
            write()
        assert version() != before


def test_a_write_outside_a_transaction_bumps_at_once(cs, dal, monkeypatch):
    bumped = []
    monkeypatch.setattr(catalogue_version, "bump", lambda: bumped.append(True))
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())

    m.Variant.objects.filter(pk=dal.pk).update(price=D("170.00"))

    assert bumped == [True]


# ---------------------------------------------------------------------------- stock: fresh, no bump


def test_stock_only_writes_leave_the_version_alone(cs, dal):
    before = version()

    with committed():
        m.Variant.objects.filter(pk=dal.pk).update(stock=3)
        variant = m.Variant.objects.get(pk=dal.pk)
        variant.stock = 1
        variant.save(update_fields=["stock"])

    assert version() == before
    assert line(cs, dal).variant.stock == 1


def test_a_checkout_taking_stock_shows_in_other_carts_at_once_without_a_bump(cs, dal, demo, shopper_cs):
    # given another shopper checking out 3 bags of the same dal
    stock_before = line(cs, dal).variant.stock
    add(shopper_cs, demo, "toor-dal-1kg", quantity=3)
    with_address(shopper_cs)
    before = version()

    # when the order is placed (its transaction commits)
    with committed():
        place(shopper_cs)

    # then the first cart's next read shows 3 fewer, and every process keeps its catalogue
    shown = line(cs, dal)
    assert shown.variant.stock == stock_before - 3
    assert dict((v.id, v.stock) for v in shown.product.variants)[str(dal.pk)] == stock_before - 3
    assert version() == before


def test_cancelling_an_order_gives_stock_back_visible_at_once_without_a_bump(cs, dal, demo, shopper_cs):
    stock_before = line(cs, dal).variant.stock
    add(shopper_cs, demo, "toor-dal-1kg", quantity=4)
    with_address(shopper_cs)
    with committed():
        order = place(shopper_cs)
    assert line(cs, dal).variant.stock == stock_before - 4
    before = version()

    with committed():
        get_shop_provider().cancel_order(order_id=order.id)

    assert line(cs, dal).variant.stock == stock_before
    assert version() == before


def test_a_line_short_of_stock_after_a_stock_write_blocks_the_checkout_at_once(cs, dal):
    with committed():
        m.Variant.objects.filter(pk=dal.pk).update(stock=1)

    cart = selectors.cart_get(cs=cs)

    assert not line_for(cart, dal).available
    assert cart.checkout_blocked


# ---------------------------------------------------------------------------- admin and commands


def _product_form(product: m.Product, **variant_changes) -> dict[str, str]:
    """The admin's product change form as it is shown, with sizes' fields changed."""
    data = {
        "slug": product.slug,
        "name": product.name,
        "brand": str(product.brand_id),
        "category": str(product.category_id),
        "description": product.description,
        "image": product.image,
        "mrp": str(product.mrp),
        "price": str(product.price),
        "gst_rate": str(product.gst_rate),
        "hsn_code": product.hsn_code,
        "min_quantity": str(product.min_quantity),
        "max_quantity": str(product.max_quantity),
        "increment": str(product.increment),
    }
    if product.has_sizes:
        data["has_sizes"] = "on"
    if product.featured:
        data["featured"] = "on"
    variants = list(product.variants.all())
    data.update(
        {
            "variants-TOTAL_FORMS": str(len(variants)),
            "variants-INITIAL_FORMS": str(len(variants)),
            "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "1000",
        }
    )
    for i, v in enumerate(variants):
        fields = {
            "id": str(v.pk),
            "product": str(product.pk),
            "label": v.label,
            "sku": v.sku,
            "mrp": str(v.mrp),
            "price": str(v.price),
            "stock": str(v.stock),
            "position": str(v.position),
        }
        fields.update(variant_changes)
        data.update({f"variants-{i}-{key}": value for key, value in fields.items()})
    return data


def test_an_admin_edit_of_a_size_price_bumps_the_version_and_the_cart_shows_it(cs, dal, admin_client):
    before = version()

    with committed():
        response = admin_client.post(
            f"/admin/localshop/product/{dal.product_id}/change/", _product_form(dal.product, price="149.00")
        )

    assert response.status_code == 302, response.content[:500]
    assert version() != before
    assert line(cs, dal).unit_price == D("149.00")


def test_an_admin_rename_of_a_category_bumps_the_version_and_the_cart_shows_it(cs, dal, admin_client):
    category = dal.product.category
    before = version()

    with committed():
        response = admin_client.post(
            f"/admin/localshop/category/{category.pk}/change/",
            {"slug": category.slug, "name": "Pantry", "position": str(category.position)},
        )

    assert response.status_code == 302
    assert version() != before
    assert line(cs, dal).product.category.name == "Pantry"


def test_an_admin_delete_action_bumps_the_version(cs, dal, demo, admin_client):
    other = demo.product("usb-c-cable")
    before = version()

    with committed():
        response = admin_client.post(
            "/admin/localshop/product/",
            {"action": "delete_selected", "_selected_action": [str(other.pk)], "post": "yes"},
        )

    assert response.status_code == 302
    assert not m.Product.objects.filter(pk=other.pk).exists()
    assert version() != before


def test_seed_demo_bumps_the_version_and_the_cart_shows_what_it_wrote(cs, dal):
    # given an operator's rename, shown in the cart
    category = dal.product.category
    with committed():
        m.Category.objects.filter(pk=category.pk).update(name="Pantry")
    assert line(cs, dal).product.category.name == "Pantry"
    before = version()

    # when the demo store is loaded again (it names the demo categories)
    with committed():
        call_command("seed_demo", stdout=StringIO())

    # then
    assert version() != before
    assert line(cs, dal).product.category.name == "Groceries & Staples"
