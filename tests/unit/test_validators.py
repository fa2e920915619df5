"""Indian formats checked before anything reaches a provider: GSTIN (with its check digit), mobile
numbers and pincodes, and the forms that use them."""

import pytest

from carts.forms import MSG_GSTIN, MSG_PHONE, SetAddressForm, UpdateMetaForm
from storefront.providers.validators import gstin_check_digit, is_valid_gstin, normalise_mobile


@pytest.mark.parametrize("gstin", ["29AAGCB7383J1Z4", "27AAPFU0939F1ZV", " 29aagcb7383j1z4 "])
def test_real_gstins_are_accepted(gstin):
    assert is_valid_gstin(gstin)


@pytest.mark.parametrize(
    "gstin",
    [
        "29AAGCB7383J1Z5",  # check digit off by one
        "27AAPFU0939F1ZW",
        "29AAGCB7383J1Y4",  # the 14th character must be Z
        "29AAGCB7383J0Z4",  # the entity number is 1-9 or A-Z
        "2AAAGCB7383J1Z4",  # state code is two digits
        "29AAGCB7383J1Z",  # 14 characters
        "29AAGCB7383J1Z44",  # 16 characters
        "",
    ],
)
def test_malformed_gstins_and_wrong_check_digits_are_rejected(gstin):
    assert not is_valid_gstin(gstin)


def test_the_check_digit_is_the_15th_character_of_a_real_gstin():
    assert gstin_check_digit("29AAGCB7383J1Z") == "4"
    assert gstin_check_digit("27AAPFU0939F1Z") == "V"


def test_the_example_in_the_gstin_message_is_itself_valid():
    # a customer who copies the example's shape must not be told the example is wrong
    example = MSG_GSTIN.split("for example ")[1].rstrip(".")

    assert is_valid_gstin(example)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("9876543210", "9876543210"),
        ("+91 98765 43210", "9876543210"),
        ("+919876543210", "9876543210"),
        ("91-9876543210", "9876543210"),
        ("09876543210", "9876543210"),
        ("6000000000", "6000000000"),
        ("9198765432", "9198765432"),  # a number that starts with 91 is not a prefix
    ],
)
def test_indian_mobiles_with_or_without_prefix_are_accepted(typed, number):
    assert normalise_mobile(typed) == number


@pytest.mark.parametrize(
    "typed",
    ["5876543210", "+91 5876543210", "987654321", "98765432101", "+1 9876543210", "98765abcde", "", None],
)
def test_numbers_that_are_not_indian_mobiles_are_rejected(typed):
    assert normalise_mobile(typed) is None


def test_meta_form_normalises_gstin_and_pickup_phone():
    form = UpdateMetaForm(
        {
            "order_type": "PickAtStore",
            "pickup_store": "1",
            "pickup_name": "Ravi",
            "pickup_phone": "+91 98450-12345",
            "gstin": "29aagcb 7383j1z4",
        }
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["gstin"] == "29AAGCB7383J1Z4"
    assert form.cleaned_data["pickup_phone"] == "9845012345"


def test_meta_form_rejects_a_gstin_with_a_wrong_check_digit():
    form = UpdateMetaForm({"order_type": "HomeDelivery", "gstin": "29AAGCB7383J1Z5"})

    assert not form.is_valid()
    assert form.errors["gstin"] == [MSG_GSTIN]


@pytest.mark.django_db  # the form checks the state against the store's pincode table too
def test_address_form_rejects_a_number_that_is_not_a_mobile():
    form = SetAddressForm(
        {
            "name": "Meera",
            "phone": "5845012345",
            "line1": "7 Residency Road",
            "city": "Bengaluru",
            "state": "Karnataka",
            "pincode": "560001",
        }
    )

    assert not form.is_valid()
    assert form.errors["phone"] == [MSG_PHONE]
