"""The place-of-supply rule: which state a pincode is in (storefront.places)."""

import pytest

from storefront.places import (
    ALL_STATES,
    MSG_PINCODE_UNKNOWN,
    MSG_STATE_CHOOSE,
    MSG_STATE_MISMATCH,
    canonical_state,
    check_state,
    place_of_supply,
    states_for_pincode,
)


def test_there_are_36_states_and_union_territories():
    assert len(ALL_STATES) == len(set(ALL_STATES)) == 36


@pytest.mark.parametrize(
    ("pincode", "state"),
    [
        ("560001", "Karnataka"),  # Bengaluru
        ("110001", "Delhi"),
        ("400001", "Maharashtra"),  # Mumbai
        ("403001", "Goa"),  # Panaji, inside Maharashtra's 40
        ("600001", "Tamil Nadu"),
        ("700001", "West Bengal"),
        ("737101", "Sikkim"),  # Gangtok, inside West Bengal's 7x
        ("744101", "Andaman and Nicobar Islands"),
        ("500001", "Telangana"),
        ("520001", "Andhra Pradesh"),  # Vijayawada
        ("794001", "Meghalaya"),
        ("799001", "Tripura"),
        ("380001", "Gujarat"),
        ("302001", "Rajasthan"),
        ("226001", "Uttar Pradesh"),  # Lucknow
        ("751001", "Odisha"),
        ("800001", "Bihar"),
        ("682001", "Kerala"),
        ("171001", "Himachal Pradesh"),
        ("492001", "Chhattisgarh"),
    ],
)
def test_a_pincode_names_its_state_by_its_first_digits(pincode, state):
    assert state in states_for_pincode(pincode)
    assert place_of_supply(pincode, "") == state or len(states_for_pincode(pincode)) > 1


@pytest.mark.parametrize(
    ("pincode", "states"),
    [
        ("160017", {"Chandigarh", "Punjab", "Haryana"}),  # Chandigarh, Mohali, Panchkula
        ("248001", {"Uttar Pradesh", "Uttarakhand"}),  # Dehradun
        ("834001", {"Bihar", "Jharkhand"}),  # Ranchi
        ("605001", {"Puducherry", "Tamil Nadu"}),
        ("396210", {"Gujarat", "Dadra and Nagar Haveli and Daman and Diu"}),  # Daman
        ("194101", {"Ladakh", "Jammu and Kashmir"}),  # Leh
    ],
)
def test_a_district_on_a_border_allows_the_states_it_spans_and_the_select_picks(pincode, states):
    assert set(states_for_pincode(pincode)) == states
    for state in states:
        assert place_of_supply(pincode, state) == state
    # a state the district does not touch decides nothing
    assert place_of_supply(pincode, "Kerala") is None


@pytest.mark.parametrize("pincode", ["", "56001", "0560001", "060001", "351234", "abcdef", "999 99"])
def test_no_state_for_what_is_not_a_pincode_of_any_district(pincode):
    assert states_for_pincode(pincode) == ()


def test_army_post_offices_carry_no_state():
    assert len(states_for_pincode("900001")) == 36


@pytest.mark.parametrize("typed", ["Karnataka", "karnataka", "KA", "ka", " KARNATAKA  "])
def test_however_the_state_was_typed_560001_is_karnataka(typed):
    assert canonical_state(typed) == "Karnataka"
    assert place_of_supply("560001", typed) == "Karnataka"


@pytest.mark.parametrize(
    ("typed", "state"),
    [
        ("Orissa", "Odisha"),
        ("Pondicherry", "Puducherry"),
        ("Uttaranchal", "Uttarakhand"),
        ("New Delhi", "Delhi"),
        ("Jammu & Kashmir", "Jammu and Kashmir"),
        ("TS", "Telangana"),
        ("Daman and Diu", "Dadra and Nagar Haveli and Daman and Diu"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_old_names_and_codes_name_todays_state(typed, state):
    assert canonical_state(typed) == state


def test_a_state_the_pincode_is_not_in_never_becomes_the_place_of_supply():
    # "Delhi" typed against a Bengaluru pincode: the goods go to Karnataka
    assert place_of_supply("560001", "Delhi") == "Karnataka"


def test_the_stores_own_pincode_table_wins_over_the_first_digits():
    assert place_of_supply("605001", "Tamil Nadu", known_state="Puducherry") == "Puducherry"
    assert check_state("605001", "Tamil Nadu", known_state="Puducherry") == (
        "state",
        MSG_STATE_MISMATCH.format(pincode="605001", states="Puducherry", state="Tamil Nadu"),
    )


def test_check_state_says_what_is_wrong_in_words():
    assert check_state("560001", "Karnataka") == ("", "")
    assert check_state("560001", "ka") == ("", "")
    assert check_state("560001", "Delhi") == (
        "state",
        MSG_STATE_MISMATCH.format(pincode="560001", states="Karnataka", state="Delhi"),
    )
    assert check_state("560001", "") == ("state", MSG_STATE_CHOOSE)
    assert check_state("351234", "Gujarat") == ("pincode", MSG_PINCODE_UNKNOWN.format(pincode="351234"))
    assert "Chandigarh, Punjab or Haryana" in check_state("160017", "Delhi")[1]
