"""Staff, customers and an assisting client for the assisted-selling tests."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from carts.models import StaffProfile

STAFF_EMAIL = "staff@demo.local"
LEAD_EMAIL = "lead@demo.local"


def perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="carts")


def make_user(email: str, *, perms=(), is_staff: bool = False, first_name: str = ""):
    user = get_user_model().objects.create_user(
        username=email, email=email, password="pw-not-used-123", first_name=first_name, is_staff=is_staff
    )
    user.user_permissions.add(*(perm(p) for p in perms))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="storefront.accounts.EmailBackend")
    return client


@pytest.fixture
def staff(demo):
    """The demo staff member (Ravi at the Indiranagar store): carts.assist_customer only."""
    return get_user_model().objects.get(email=STAFF_EMAIL)


@pytest.fixture
def lead(demo):
    """The demo store lead (Priya): may also place orders on a customer's behalf."""
    return get_user_model().objects.get(email=LEAD_EMAIL)


@pytest.fixture
def staff_client(staff) -> Client:
    return client_for(staff)


@pytest.fixture
def customer_client(shopper) -> Client:
    return client_for(shopper)


def start_assisting(client: Client, customer) -> None:
    response = client.post("/staff/assist/", {"customer": customer.pk})
    assert response.status_code == 303, response.content[:300]


@pytest.fixture
def assisting(staff_client, shopper) -> Client:
    """Ravi, assisting the demo shopper (Asha)."""
    start_assisting(staff_client, shopper)
    return staff_client


@pytest.fixture
def profile(staff) -> StaffProfile:
    return staff.staff_profile
