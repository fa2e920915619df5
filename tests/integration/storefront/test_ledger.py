"""The order ledger: an order is sent upstream at most once per key, whatever happens to the
answer, and an attempt whose answer was lost is settled from what the provider reports."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from storefront import ledger
from storefront.exceptions import ProviderRejected, ProviderUnavailable
from storefront.models import OrderAttempt, ProviderAccount
from storefront.providers.base import Resolution

pytestmark = pytest.mark.django_db
State = OrderAttempt.State


class Upstream:
    """A provider stand-in that counts the orders it is sent and remembers what it committed."""

    def __init__(self, *, fail: Exception | None = None, commit_then_fail: bool = False):
        self.fail, self.commit_then_fail = fail, commit_then_fail
        self.sent = 0
        self.orders: dict[str, str] = {}  # our reference → its order id

    def send(self, attempt: OrderAttempt) -> ledger.Sent:
        self.sent += 1
        if self.fail is not None and not self.commit_then_fail:
            raise self.fail
        order_id = f"UP-{len(self.orders) + 1}"
        self.orders[attempt.reference] = order_id
        if self.commit_then_fail:
            raise ProviderUnavailable()  # committed, but the answer is lost
        return ledger.Sent(order_id, {"lines": 2})

    def reconcile(self, attempt: OrderAttempt) -> Resolution:
        if attempt.reference in self.orders:
            return Resolution(True, upstream_id=self.orders[attempt.reference], record={"lines": 2})
        return Resolution(False)


@pytest.fixture
def account():
    return ProviderAccount.objects.create(kind="fynd", name="ledger-test")


def place(account, upstream: Upstream, key: str = "key-1") -> OrderAttempt:
    return ledger.place_once(
        account=account, role="shop", key=key, send=upstream.send, reconcile=upstream.reconcile
    )


def test_an_order_is_sent_once_and_the_same_key_answers_with_it(account):
    upstream = Upstream()

    first = place(account, upstream)
    again = place(account, upstream)

    assert first.state == State.PLACED and first.upstream_id == "UP-1"
    assert again.pk == first.pk and again.order_id == "UP-1"
    assert upstream.sent == 1
    assert OrderAttempt.objects.get().key_hash != "key-1"  # the key itself is never stored


def test_a_lost_answer_is_recorded_unknown_and_never_sent_again(account):
    upstream = Upstream(commit_then_fail=True)

    with pytest.raises(ledger.OrderOutcomeUnknown) as exc:
        place(account, upstream)

    assert exc.value.user_message == ledger.MSG_ORDER_UNKNOWN
    assert OrderAttempt.objects.get().state == State.UNKNOWN
    # the shopper presses the button again: the provider is asked, not sent the order again
    again = place(account, upstream)
    assert again.state == State.PLACED and again.upstream_id == "UP-1"
    assert again.record == {"lines": 2}
    assert upstream.sent == 1 and len(upstream.orders) == 1


def test_an_unknown_attempt_the_provider_cannot_settle_stays_unknown(account):
    upstream = Upstream(commit_then_fail=True)
    with pytest.raises(ledger.OrderOutcomeUnknown):
        place(account, upstream)
    upstream.reconcile = lambda attempt: Resolution(None)

    with pytest.raises(ledger.OrderOutcomeUnknown):
        place(account, upstream)

    attempt = OrderAttempt.objects.get()
    assert attempt.state == State.UNKNOWN and attempt.reconciled_at is not None
    assert upstream.sent == 1


def test_an_attempt_found_not_placed_says_so_and_a_new_checkout_can_order(account):
    upstream = Upstream(fail=ProviderUnavailable())  # nothing committed, answer lost
    with pytest.raises(ledger.OrderOutcomeUnknown):
        place(account, upstream)

    with pytest.raises(ProviderRejected) as exc:
        place(account, upstream)

    assert exc.value.user_message == ledger.MSG_ORDER_NOT_PLACED
    assert OrderAttempt.objects.get().state == State.FAILED
    upstream.fail = None
    assert place(account, upstream).state == State.PLACED
    assert upstream.sent == 2


def test_a_refusal_is_failed_and_the_same_key_may_try_again(account):
    upstream = Upstream(fail=ProviderRejected("Payment mode not allowed"))

    with pytest.raises(ProviderRejected):
        place(account, upstream)
    assert OrderAttempt.objects.get().state == State.FAILED
    upstream.fail = None
    placed = place(account, upstream)

    assert placed.state == State.PLACED
    assert OrderAttempt.objects.count() == 1 and upstream.sent == 2


def test_keys_are_per_account(account):
    other = ProviderAccount.objects.create(kind="fynd", name="ledger-other")
    upstream = Upstream()

    place(account, upstream)
    place(other, upstream)

    assert upstream.sent == 2


def test_the_command_settles_unknown_and_cut_off_attempts(account, monkeypatch, capsys):
    upstream = Upstream(commit_then_fail=True)
    with pytest.raises(ledger.OrderOutcomeUnknown):
        place(account, upstream)
    OrderAttempt.objects.create(
        account=account, role="shop", key_hash="b" * 64, reference="SFCUTOFF01", state=State.PENDING
    )
    OrderAttempt.objects.filter(reference="SFCUTOFF01").update(updated_at="2020-01-01T00:00:00Z")

    class Provider:
        capabilities = frozenset({"order_ledger"})
        reconcile_order = staticmethod(upstream.reconcile)

    monkeypatch.setattr("storefront.providers.registry.build", lambda account, role: Provider())
    call_command("reconcile_orders")

    out = capsys.readouterr().out
    assert "1 attempt(s) cut off while sending are now unknown" in out
    assert "reconciled: 1 placed, 1 not placed, 0 still unknown" in out
    states = dict(OrderAttempt.objects.values_list("reference", "state"))
    assert states["SFCUTOFF01"] == State.FAILED
    assert sorted(states.values()) == [State.FAILED, State.PLACED]
    assert upstream.sent == 1
