"""Issue 14: a sign-in lockout's Retry-After (and the wait the form names) is the time the lockout
has left, worked out from django-axes' attempt records (storefront.sign_in_limits.
sign_in_retry_after), not always the whole 15-minute cool-off; and trying again during the lockout
does not start it over (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False), so the shopper who
waits as told gets in.

Time is moved by ageing the attempt records (their `attempt_time` is when the lockout's clock
started), which is what a lockout some minutes old looks like to axes."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client

from storefront import throttle
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL, STAFF_EMAIL

pytestmark = pytest.mark.django_db

COOL_OFF = int(settings.AXES_COOLOFF_TIME.total_seconds())
PER_PAIR = dict((tuple(p), n) for p, n in settings.SIGN_IN_LIMITS)[("username", "ip_address")]
SHOP, ADMIN = "/accounts/login/", "/admin/login/"


def sign_in(client: Client, email: str, password: str, path: str):
    if path == ADMIN:
        return client.post(path, {"username": email, "password": password, "next": "/admin/"})
    return client.post(path, {"email": email, "password": password})


def age(minutes: float) -> None:
    """Every attempt record `minutes` older: the lockout started that much earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def lock_out(client: Client, email: str, path: str) -> None:
    for _ in range(PER_PAIR - 1):
        # a wrong password: the shop's form answers 400, the admin's its form again (200)
        assert sign_in(client, email, "wrong-password-1", path).status_code == (200 if path == ADMIN else 400)
    answer = sign_in(client, email, "wrong-password-1", path)
    assert answer.status_code == 429
    assert COOL_OFF - 2 <= int(answer["Retry-After"]) <= COOL_OFF  # the lockout has just begun


@pytest.mark.parametrize(
    ("path", "email"), [(SHOP, SHOPPER_EMAIL), (ADMIN, STAFF_EMAIL)], ids=["shop", "admin"]
)
def test_a_lockout_five_minutes_old_says_ten_minutes_left(client, demo, path, email):
    lock_out(client, email, path)
    age(5)

    response = sign_in(client, email, DEMO_PASSWORD, path)

    assert response.status_code == 429
    assert 10 * 60 - 5 <= int(response["Retry-After"]) <= 10 * 60
    assert throttle.Throttled("sign-in", 600).user_message in unescape(response.content.decode())
    assert "wait 10 minutes" in unescape(response.content.decode())
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("path", "email"), [(SHOP, SHOPPER_EMAIL), (ADMIN, STAFF_EMAIL)], ids=["shop", "admin"]
)
def test_trying_again_does_not_start_the_lockout_over_and_waiting_as_told_lets_the_shopper_in(
    client, demo, path, email
):
    lock_out(client, email, path)
    age(5)
    first = int(sign_in(client, email, "wrong-password-2", path)["Retry-After"])
    age(4)

    second = sign_in(client, email, DEMO_PASSWORD, path)

    assert second.status_code == 429
    assert first - 4 * 60 - 5 <= int(second["Retry-After"]) <= first - 4 * 60  # counting down
    age(int(second["Retry-After"]) / 60 + 0.05)  # the shopper waits as long as they were told
    assert sign_in(client, email, DEMO_PASSWORD, path).status_code in (302, 303)
    assert "_auth_user_id" in client.session


def test_the_time_left_comes_from_the_records_that_hold_the_lockout(demo):
    """Failures from two browsers on one address are two records; the lockout opens when the
    older record expires and what is left is under the limit, not a cool-off after the last."""
    older = Client(HTTP_USER_AGENT="browser-a")
    for _ in range(PER_PAIR - 2):
        sign_in(older, SHOPPER_EMAIL, "wrong-password-1", SHOP)
    age(12)  # those failures were 12 minutes ago: they count for 3 more minutes
    newer = Client(HTTP_USER_AGENT="browser-b")
    assert sign_in(newer, SHOPPER_EMAIL, "wrong-password-1", SHOP).status_code == 400
    answer = sign_in(newer, SHOPPER_EMAIL, "wrong-password-1", SHOP)  # the limit is reached

    assert answer.status_code == 429
    assert 3 * 60 - 5 <= int(answer["Retry-After"]) <= 3 * 60
    assert "wait 3 minutes" in unescape(answer.content.decode())
