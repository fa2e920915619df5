"""price_cart with redemptions: each rule at its boundaries, the fixed stacking order (coupon →
points → gift cards → store credit), the GST split and the row relations for any cart."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.providers.local.pricing import (
    DELIVERY_CHARGE,
    MSG_COUPON_ADD_MORE,
    MSG_COUPON_NOT_FOR_ITEMS,
    MSG_GST_INTER_STATE,
    MSG_GST_INTRA_STATE,
    CouponTerms,
    GiftCardBalance,
    PricedLine,
    RedemptionInputs,
    price_cart,
)

D = Decimal
PAISE = D("0.01")
REDEMPTION_KEYS = ("coupon", "loyalty_points", "gift_card", "credit_balance")


def goods(price: str, quantity: int = 1, *, gst: int = 18, eligible: bool = True) -> PricedLine:
    return PricedLine(D(price), D(price), quantity, D(gst), coupon_eligible=eligible)


def rows(result) -> dict[str, D]:
    """{key: amount}; gift-card rows (one per card) are summed."""
    found: dict[str, D] = {}
    for row in result.rows:
        found[row.key] = found.get(row.key, D(0)) + row.amount
    return found


def row(result, key: str):
    return next(r for r in result.rows if r.key == key)


PERCENT10 = CouponTerms("TEN", percent=D(10), max_discount=D(200), min_cart_value=D(500))


# ---------------------------------------------------------------------------- coupon


def test_percent_coupon_takes_its_share_of_the_goods():
    result = price_cart([goods("537.00")], RedemptionInputs(coupon=PERCENT10))

    assert row(result, "coupon").amount == D("-53.70")
    assert rows(result)["total"] == D("483.30")


def test_flat_coupon_takes_its_amount():
    flat = CouponTerms("FLAT100", flat=D(100), min_cart_value=D(999))

    result = price_cart([goods("1299.00")], RedemptionInputs(coupon=flat))

    assert row(result, "coupon").amount == D("-100.00")
    assert rows(result)["total"] == D("1199.00")


@pytest.mark.parametrize(
    ("price", "expected"),
    [("1999.90", "199.99"), ("2000.00", "200.00"), ("2000.10", "200.00"), ("2699.00", "200.00")],
    ids=["just-under-cap", "exactly-cap", "just-over-cap", "well-over-cap"],
)
def test_percent_coupon_stops_at_its_cap(price, expected):
    result = price_cart([goods(price)], RedemptionInputs(coupon=PERCENT10))

    assert result.coupon_amount == D(expected)
    assert not result.coupon_problem


def test_minimum_cart_value_exactly_met_gives_the_discount():
    result = price_cart([goods("500.00")], RedemptionInputs(coupon=PERCENT10))

    assert row(result, "coupon").amount == D("-50.00")
    assert row(result, "coupon").messages == ()


@pytest.mark.parametrize(("price", "short"), [("499.99", "0.01"), ("37.50", "462.50")])
def test_below_the_minimum_says_how_much_more_to_add(price, short):
    result = price_cart([goods(price)], RedemptionInputs(coupon=PERCENT10))

    coupon = row(result, "coupon")
    assert coupon.amount == D("0.00")
    assert coupon.messages == (MSG_COUPON_ADD_MORE.format(short=D(short), code="TEN"),)
    assert f"₹{short}" in coupon.messages[0]


def test_flat_coupon_never_takes_more_than_the_goods_it_is_valid_for():
    flat = CouponTerms("BIG", flat=D(500))

    result = price_cart(
        [goods("120.00", eligible=True), goods("900.00", eligible=False)], RedemptionInputs(coupon=flat)
    )

    assert result.coupon_amount == D("120.00")


def test_scoped_coupon_counts_only_the_goods_in_scope():
    style = CouponTerms("STYLE20", percent=D(20), max_discount=D(500))

    result = price_cart(
        [goods("999.00", gst=5, eligible=True), goods("179.00", gst=5, eligible=False)],
        RedemptionInputs(coupon=style),
    )

    assert result.coupon_amount == D("199.80")


def test_scoped_coupon_on_a_cart_without_goods_in_scope_gives_nothing_and_says_why():
    style = CouponTerms("STYLE20", percent=D(20))

    result = price_cart([goods("537.00", eligible=False)], RedemptionInputs(coupon=style))

    assert row(result, "coupon").amount == D("0.00")
    assert result.coupon_problem == MSG_COUPON_NOT_FOR_ITEMS.format(code="STYLE20")
    assert rows(result)["total"] == D("537.00")


def test_blocked_coupon_gives_nothing_with_its_reason():
    expired = CouponTerms("OLD", blocked="expired")

    result = price_cart([goods("800.00")], RedemptionInputs(coupon=expired))

    assert row(result, "coupon").amount == D("0.00")
    assert row(result, "coupon").messages == ("expired",)


def test_percent_discount_is_rounded_half_up_to_paise():
    ten = CouponTerms("TEN", percent=D(10))

    # 10 % of ₹100.05 is ₹10.005
    result = price_cart([goods("100.05")], RedemptionInputs(coupon=ten))

    assert result.coupon_amount == D("10.01")


# ---------------------------------------------------------------------------- loyalty points


@pytest.mark.parametrize(
    ("balance", "coupon", "applicable"),
    [
        (800, None, 429),  # 20 % of ₹537 = ₹107.40 = 429.6 points
        (800, PERCENT10, 386),  # after the coupon: 20 % of ₹483.30 = ₹96.66 = 386.64 points
        (300, None, 300),  # the balance is the limit
        (0, None, 0),
    ],
)
def test_applicable_points_are_capped_at_a_fifth_of_the_goods_after_the_coupon(balance, coupon, applicable):
    result = price_cart([goods("537.00")], RedemptionInputs(coupon=coupon, points_balance=balance))

    assert result.points_applicable == applicable
    assert result.points_used == 0  # nothing applied yet
    assert "loyalty_points" not in rows(result)


def test_apply_all_points_uses_every_applicable_point():
    result = price_cart([goods("537.00")], RedemptionInputs(points_balance=800, points_all=True))

    assert result.points_used == 429
    assert row(result, "loyalty_points").amount == D("-107.25")


def test_a_chosen_number_of_points_is_used_as_asked():
    result = price_cart([goods("537.00")], RedemptionInputs(points_balance=800, points_requested=100))

    assert result.points_used == 100
    assert row(result, "loyalty_points").amount == D("-25.00")
    assert rows(result)["total"] == D("512.00")


def test_asked_points_above_the_cap_are_cut_to_the_cap():
    # e.g. points chosen before a coupon lowered the cap
    result = price_cart(
        [goods("537.00")], RedemptionInputs(coupon=PERCENT10, points_balance=800, points_requested=429)
    )

    assert result.points_used == 386


# ---------------------------------------------------------------------------- gift cards and credit


def test_gift_cards_pay_in_the_order_added_and_keep_what_they_do_not_use():
    cards = [GiftCardBalance("CARD-AAAA", D("300.00")), GiftCardBalance("CARD-BBBB", D("500.00"))]

    result = price_cart([goods("600.00")], RedemptionInputs(gift_cards=cards))

    assert result.gift_card_uses == (("CARD-AAAA", D("300.00")), ("CARD-BBBB", D("300.00")))
    assert [r.amount for r in result.rows if r.key == "gift_card"] == [D("-300.00"), D("-300.00")]
    assert rows(result)["total"] == D("0.00")


def test_a_card_with_nothing_left_to_pay_gets_no_row():
    cards = [GiftCardBalance("CARD-AAAA", D("900.00")), GiftCardBalance("CARD-BBBB", D("500.00"))]

    result = price_cart([goods("600.00")], RedemptionInputs(gift_cards=cards))

    assert result.gift_card_uses == (("CARD-AAAA", D("600.00")),)
    assert len([r for r in result.rows if r.key == "gift_card"]) == 1


def test_gift_card_pays_the_delivery_charge_too():
    result = price_cart(
        [goods("179.00", 2, gst=5)], RedemptionInputs(gift_cards=[GiftCardBalance("C", D(500))])
    )

    assert row(result, "delivery_charge").amount == DELIVERY_CHARGE
    assert result.gift_card_uses == (("C", D("407.00")),)
    assert rows(result)["total"] == D("0.00")


def test_store_credit_pays_what_the_gift_cards_leave():
    result = price_cart(
        [goods("1000.00")],
        RedemptionInputs(gift_cards=[GiftCardBalance("C", D(500))], credit_balance=D(250), use_credit=True),
    )

    assert row(result, "gift_card").amount == D("-500.00")
    assert row(result, "credit_balance").amount == D("-250.00")
    assert rows(result)["total"] == D("250.00")


def test_store_credit_not_in_use_is_not_taken():
    result = price_cart([goods("1000.00")], RedemptionInputs(credit_balance=D(250), use_credit=False))

    assert result.credit_used == D(0)
    assert "credit_balance" not in rows(result)


def test_store_credit_larger_than_the_total_takes_only_the_total():
    result = price_cart([goods("120.00")], RedemptionInputs(credit_balance=D(250), use_credit=True))

    assert result.credit_used == D("169.00")  # ₹120 + ₹49 delivery
    assert rows(result)["total"] == D("0.00")


# ---------------------------------------------------------------------------- stacking and rows


def test_every_redemption_at_once_in_the_fixed_order():
    # a kurta and two bags of dal, WELCOME10-like coupon, 800 points, a ₹500 card and ₹250 credit
    lines = [goods("999.00", gst=5), goods("179.00", 2, gst=5)]
    inputs = RedemptionInputs(
        coupon=PERCENT10,
        points_balance=800,
        points_all=True,
        gift_cards=[GiftCardBalance("GIFT-DEMO-0001", D(500))],
        credit_balance=D(250),
        use_credit=True,
    )

    result = price_cart(lines, inputs)

    assert [(r.key, r.amount) for r in result.rows if not r.informational] == [
        ("mrp_total", D("1357.00")),
        ("discount", D("0.00")),
        ("subtotal", D("1357.00")),
        ("coupon", D("-135.70")),
        ("loyalty_points", D("-200.00")),  # 800 points (the cap would allow 977)
        ("delivery_charge", D("0.00")),
        ("gift_card", D("-500.00")),
        ("credit_balance", D("-250.00")),
        ("total", D("271.30")),
    ]
    assert row(result, "you_saved").amount == D("335.70")


def test_gst_is_on_the_price_after_coupon_and_points_but_not_after_payments():
    line = [goods("1180.00", gst=18)]  # ₹180 GST inside

    plain = price_cart(line)
    with_coupon = price_cart(line, RedemptionInputs(coupon=CouponTerms("F", flat=D(118))))
    with_card = price_cart(line, RedemptionInputs(gift_cards=[GiftCardBalance("C", D(118))]))

    assert plain.gst == D("180.00")
    assert with_coupon.gst == D("162.00")
    assert with_card.gst == D("180.00")


def test_gst_is_split_cgst_and_sgst_within_the_store_state():
    result = price_cart([goods("1180.00", gst=18)], RedemptionInputs(intra_state=True))

    assert row(result, "gst_charges").messages == (
        MSG_GST_INTRA_STATE.format(cgst=D("90.00"), sgst=D("90.00")),
    )


def test_cgst_and_sgst_add_up_to_the_gst_when_it_has_odd_paise():
    result = price_cart([goods("105.21", gst=5)], RedemptionInputs(intra_state=True))

    assert result.gst == D("5.01")
    assert row(result, "gst_charges").messages == (
        MSG_GST_INTRA_STATE.format(cgst=D("2.51"), sgst=D("2.50")),
    )


def test_gst_is_igst_to_another_state():
    result = price_cart([goods("1180.00", gst=18)], RedemptionInputs(intra_state=False))

    assert row(result, "gst_charges").messages == (MSG_GST_INTER_STATE.format(igst=D("180.00")),)


def test_gst_is_not_split_before_the_shipping_state_is_known():
    result = price_cart([goods("1180.00", gst=18)], RedemptionInputs(intra_state=None))

    assert row(result, "gst_charges").messages == ()


def test_an_empty_cart_has_no_redemption_rows_and_a_zero_total():
    result = price_cart(
        [], RedemptionInputs(coupon=PERCENT10, gift_cards=[GiftCardBalance("C", D(500))], use_credit=True)
    )

    assert not set(REDEMPTION_KEYS) & set(rows(result))
    assert rows(result)["total"] == D("0.00")


# ---------------------------------------------------------------------------- any cart


@st.composite
def carts(draw):
    lines = draw(
        st.lists(
            st.builds(
                lambda price, discount, quantity, gst, eligible: PricedLine(
                    price + discount, price, quantity, D(gst), coupon_eligible=eligible
                ),
                st.decimals(min_value=D("0.01"), max_value=D("20000"), places=2),
                st.decimals(min_value=D("0"), max_value=D("5000"), places=2),
                st.integers(min_value=1, max_value=12),
                st.sampled_from([0, 5, 12, 18, 28]),
                st.booleans(),
            ),
            max_size=8,
        )
    )
    coupon = draw(
        st.one_of(
            st.none(),
            st.builds(
                lambda percent, cap, minimum: CouponTerms(
                    "PCT", percent=percent, max_discount=cap, min_cart_value=minimum
                ),
                st.decimals(min_value=D("1"), max_value=D("100"), places=2),
                st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("5000"), places=2)),
                st.decimals(min_value=D("0"), max_value=D("5000"), places=2),
            ),
            st.builds(
                lambda flat, minimum: CouponTerms("FLAT", flat=flat, min_cart_value=minimum),
                st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2),
                st.decimals(min_value=D("0"), max_value=D("5000"), places=2),
            ),
        )
    )
    cards = draw(
        st.lists(
            st.builds(
                GiftCardBalance,
                st.text(alphabet="ABCDEFGH0123456789", min_size=4, max_size=12),
                st.decimals(min_value=D("0"), max_value=D("30000"), places=2),
            ),
            max_size=4,
            unique_by=lambda card: card.code,
        )
    )
    requested = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=200_000)))
    inputs = RedemptionInputs(
        coupon=coupon,
        points_balance=draw(st.integers(min_value=0, max_value=200_000)),
        points_requested=requested,
        points_all=draw(st.booleans()),
        gift_cards=cards,
        credit_balance=draw(st.decimals(min_value=D("0"), max_value=D("30000"), places=2)),
        use_credit=draw(st.booleans()),
        intra_state=draw(st.sampled_from([True, False, None])),
    )
    return lines, inputs


@given(carts())
def test_any_cart_with_any_redemptions_adds_up(cart):
    lines, inputs = cart

    result = price_cart(lines, inputs)
    a = rows(result)

    # the total is never negative and is exactly what the rows above it say
    assert a["total"] >= 0
    assert a["total"] == a["subtotal"] + a["delivery_charge"] + sum(a.get(k, D(0)) for k in REDEMPTION_KEYS)
    assert a["total"] == result.total
    # savings are the discount, the coupon and the points; payments are not savings
    assert a["you_saved"] == -(a["discount"] + a.get("coupon", D(0)) + a.get("loyalty_points", D(0)))
    for r in result.rows:
        assert r.amount == r.amount.quantize(PAISE), f"{r.key} has more than two decimals"
        if r.key in REDEMPTION_KEYS:
            assert r.amount <= 0, f"{r.key} is a deduction"
    # no card pays more than its balance, and a card is used at most once
    balances = {card.code: card.balance for card in inputs.gift_cards}
    codes = [code for code, _ in result.gift_card_uses]
    assert len(codes) == len(set(codes))
    for code, amount in result.gift_card_uses:
        assert D(0) < amount <= balances[code]
    # points within the balance and the cap; credit within the balance
    assert 0 <= result.points_used <= min(inputs.points_balance, result.points_applicable)
    assert result.credit_used <= (inputs.credit_balance if inputs.use_credit else D(0))
