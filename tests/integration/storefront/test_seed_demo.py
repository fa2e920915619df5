"""`manage.py seed_demo`: the demo store an operator gets, and running it twice changes nothing."""

from io import StringIO

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Max
from django.test import RequestFactory

from storefront.models import ProviderAccount
from storefront.providers.local import models as m
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL, STAFF_EMAIL


def _counts() -> dict[str, int]:
    return {
        "products": m.Product.objects.count(),
        "variants": m.Variant.objects.count(),
        "categories": m.Category.objects.count(),
        "brands": m.Brand.objects.count(),
        "pincodes": m.Pincode.objects.count(),
        "users": get_user_model().objects.count(),
        "accounts": ProviderAccount.objects.count(),
    }


def test_seed_demo_twice_changes_nothing(demo):
    before = _counts()

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _counts() == before
    assert f"{before['products']} products in {before['categories']} categories" in out.getvalue()


def test_seed_demo_leaves_an_operators_stock_and_prices_alone(demo):
    dal = demo.variant("toor-dal-1kg")
    demo.set_stock(dal, 3)
    demo.set_price(dal, "175.00")

    call_command("seed_demo", stdout=StringIO())

    dal.refresh_from_db()
    assert (dal.stock, str(dal.price)) == (3, "175.00")


def test_demo_catalogue_has_what_the_demo_needs(demo):
    products = m.Product.objects.annotate(most=Max("variants__stock"))

    assert products.count() >= 40
    assert m.Category.objects.filter(products__isnull=False).distinct().count() >= 6
    assert products.filter(most=0).exists(), "some products are out of stock"
    assert products.filter(most__gt=0).count() >= 20
    assert m.Product.objects.filter(has_sizes=True, variants__stock=0, variants__isnull=False).exists()
    sized = m.Product.objects.filter(has_sizes=True)
    assert sized.exists() and all(p.variants.count() > 1 for p in sized)
    packs = dict(m.Product.objects.filter(increment__gt=1).values_list("slug", "increment"))
    assert packs["mineral-water-1l"] == 6
    assert packs["led-bulb-9w"] == 4


def test_demo_users_sign_in_with_the_demo_password(demo):
    shopper = authenticate(RequestFactory().post("/"), email=SHOPPER_EMAIL, password=DEMO_PASSWORD)
    staff = authenticate(RequestFactory().post("/"), email=STAFF_EMAIL, password=DEMO_PASSWORD)

    assert shopper is not None and staff is not None
    assert staff.has_perm("carts.assist_customer")
    assert not shopper.has_perm("carts.assist_customer")
    assert authenticate(RequestFactory().post("/"), email=SHOPPER_EMAIL, password="wrong") is None


def test_demo_pincodes(demo):
    serviceable = dict(m.Pincode.objects.values_list("code", "serviceable"))

    assert serviceable["560001"] is True
    assert serviceable["110001"] is True
    assert serviceable["999999"] is False


def test_demo_makes_the_local_provider_active(demo):
    account = ProviderAccount.objects.get(active_for_shop=True)

    assert account.kind == "local"
