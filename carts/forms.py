from __future__ import annotations

from django import forms

from storefront.providers.rules import MSG_QTY_POSITIVE
from storefront.validators import ACCOUNT_EMAIL_MAX_LENGTH, MSG_EMAIL_TOO_LONG, SafeForm

MSG_QTY_NOT_NUMBER = "Enter the quantity as a whole number, for example 2."
MSG_QTY_TOO_LARGE = "That quantity is too large."
MSG_PINCODE = "Enter a valid 6-digit pincode, for example 560001."
MSG_MISSING_PRODUCT = "Choose a product to add."
MSG_MISSING_LINE = "That item is no longer in your cart."


class QuantityField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages",
            {"invalid": MSG_QTY_NOT_NUMBER, "required": MSG_QTY_NOT_NUMBER, "max_value": MSG_QTY_TOO_LARGE},
        )
        super().__init__(max_value=9999, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value is not None and value < 1:
            raise forms.ValidationError(MSG_QTY_POSITIVE)
        return value


class AddToCartForm(SafeForm):
    product = forms.CharField(max_length=64, error_messages={"required": MSG_MISSING_PRODUCT})
    size = forms.CharField(max_length=64, required=False)
    quantity = QuantityField(required=False)

    def clean_quantity(self):
        return self.cleaned_data.get("quantity") or 1


class UpdateLineForm(SafeForm):
    line = forms.CharField(max_length=64, error_messages={"required": MSG_MISSING_LINE})
    quantity = QuantityField()
    size = forms.CharField(max_length=64, required=False)


class RemoveLineForm(SafeForm):
    line = forms.CharField(max_length=64, error_messages={"required": MSG_MISSING_LINE})


class ClearCartForm(SafeForm):
    """No fields: the action is the whole request."""


class CheckDeliveryForm(SafeForm):
    pincode = forms.RegexField(
        regex=r"^\s*[1-9][0-9]{5}\s*$",
        error_messages={"invalid": MSG_PINCODE, "required": MSG_PINCODE},
    )

    def clean_pincode(self):
        return self.cleaned_data["pincode"].strip()


def first_error(form: forms.Form) -> tuple[str, str]:
    """(field, message) of the first problem, for an in-place message."""
    for field, errors in form.errors.items():
        return field, str(errors[0])
    return "", ""


# ---------------------------------------------------------------------------- redemptions

MSG_COUPON_CODE = "Enter a coupon code."
MSG_POINTS = "Enter the number of points as a whole number, or leave it empty to use all you can."
MSG_GIFT_CODE = "Enter the gift card number."
MSG_GIFT_PIN = "Enter the gift card pin."
MSG_GSTIN = "Enter a valid 15-character GSTIN, for example 29ABCDE1234F1ZW."
MSG_PHONE = "Enter a 10-digit mobile number, for example 98765 43210."
MSG_GIFT_MESSAGE_LONG = "Keep the gift message to {n} characters."
MSG_PICKUP_STORE = "Choose a store for pick-up."
MSG_PICKUP_NAME = "Enter the name of the person picking up."
MSG_REQUIRED = "This field is required."
MSG_ADDRESS_NAME = "Enter the name of the person receiving it."
MSG_ADDRESS_LINE1 = "Enter the house and street."
MSG_ADDRESS_CITY = "Enter the city."
MSG_ADDRESS_STATE = "Choose your state."
GIFT_MESSAGE_MAX = 200


class ApplyCouponForm(SafeForm):
    code = forms.CharField(max_length=32, error_messages={"required": MSG_COUPON_CODE})

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class ApplyLoyaltyForm(SafeForm):
    points = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000_000,
        error_messages={"invalid": MSG_POINTS, "min_value": MSG_POINTS},
    )


class GiftCardForm(SafeForm):
    code = forms.CharField(max_length=32, error_messages={"required": MSG_GIFT_CODE})
    pin = forms.CharField(max_length=12, strip=True, error_messages={"required": MSG_GIFT_PIN})

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class RemoveGiftCardForm(SafeForm):
    code = forms.CharField(max_length=32, error_messages={"required": MSG_GIFT_CODE})


class EmptyForm(SafeForm):
    pass


def _phone(value: str) -> str:
    from storefront.providers.validators import normalise_mobile

    number = normalise_mobile(value)
    if number is None:
        raise forms.ValidationError(MSG_PHONE)
    return number


class UpdateMetaForm(SafeForm):
    gift_message = forms.CharField(
        required=False,
        max_length=GIFT_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": MSG_GIFT_MESSAGE_LONG.format(n=GIFT_MESSAGE_MAX)},
    )
    gstin = forms.CharField(required=False, max_length=20, label="GSTIN")
    business_name = forms.CharField(required=False, max_length=120)
    comment = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    order_type = forms.ChoiceField(
        choices=[("HomeDelivery", "Home delivery"), ("PickAtStore", "Pick up at store")],
        initial="HomeDelivery",
    )
    pickup_store = forms.CharField(required=False, max_length=20)
    pickup_name = forms.CharField(required=False, max_length=120)
    pickup_phone = forms.CharField(required=False, max_length=20)

    def clean_gstin(self):
        from storefront.providers.validators import is_valid_gstin

        value = self.cleaned_data["gstin"].strip().upper().replace(" ", "")
        if value and not is_valid_gstin(value):
            raise forms.ValidationError(MSG_GSTIN)
        return value

    def clean(self):
        data = super().clean()
        if data.get("order_type") == "PickAtStore":
            if not data.get("pickup_store"):
                self.add_error("pickup_store", MSG_PICKUP_STORE)
            if not (data.get("pickup_name") or "").strip():
                self.add_error("pickup_name", MSG_PICKUP_NAME)
            if not data.get("pickup_phone"):
                self.add_error("pickup_phone", MSG_PHONE)
        if data.get("pickup_phone"):
            try:
                data["pickup_phone"] = _phone(data["pickup_phone"])
            except forms.ValidationError as exc:
                self.add_error("pickup_phone", exc)
        return data


class SetAddressForm(SafeForm):
    name = forms.CharField(max_length=120, error_messages={"required": MSG_ADDRESS_NAME})
    phone = forms.CharField(max_length=20, error_messages={"required": MSG_PHONE})
    line1 = forms.CharField(
        max_length=200, label="Address line 1", error_messages={"required": MSG_ADDRESS_LINE1}
    )
    line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=80, error_messages={"required": MSG_ADDRESS_CITY})
    # a select of the 36 states and union territories (places.ALL_STATES); a typed name or code
    # ("KA", "karnataka") from an older form or a script is taken as the state it names
    state = forms.CharField(max_length=80, error_messages={"required": MSG_ADDRESS_STATE})
    pincode = forms.RegexField(
        regex=r"^\s*[1-9][0-9]{5}\s*$", error_messages={"invalid": MSG_PINCODE, "required": MSG_PINCODE}
    )
    country = forms.CharField(max_length=60, required=False, initial="India")

    # the order the fields are on the page: the first bad one gets the focus
    FIELD_ORDER = ("name", "phone", "line1", "line2", "city", "state", "pincode")

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])

    def clean_pincode(self):
        return self.cleaned_data["pincode"].strip()

    def clean_state(self):
        from storefront.places import canonical_state

        state = canonical_state(self.cleaned_data["state"])
        if state is None:
            raise forms.ValidationError(MSG_ADDRESS_STATE)
        return state

    def clean(self):
        """The state must be one the pincode is in (storefront.places): GST's place of supply
        comes from it, so it is never taken from what was typed alone."""
        from storefront.places import check_state

        data = super().clean()
        if data.get("pincode") and data.get("state"):
            field, message = check_state(
                data["pincode"], data["state"], known_state=known_pincode_state(data["pincode"])
            )
            if field:
                self.add_error(field, message)
        return data

    def field_errors(self) -> dict[str, str]:
        """{field: first message}, in page order."""
        return {name: str(self.errors[name][0]) for name in self.FIELD_ORDER if name in self.errors} | {
            name: str(errs[0]) for name, errs in self.errors.items() if name not in self.FIELD_ORDER
        }


def known_pincode_state(pincode: str) -> str | None:
    """The state of the store's own pincode row (localshop.Pincode), when it has one."""
    from storefront.providers.local.catalog import cached_pincode

    pin = cached_pincode(pincode)
    return pin.state if pin is not None else None


class SelectAddressForm(SafeForm):
    address = forms.CharField(max_length=64, error_messages={"required": "Choose an address."})
    role = forms.ChoiceField(
        choices=[("shipping", "shipping"), ("billing", "billing")], initial="shipping", required=False
    )


class ReorderForm(SafeForm):
    order = forms.CharField(max_length=64)


class PlaceOrderForm(SafeForm):
    idempotency_key = forms.CharField(max_length=2000)
    payment_mode = forms.CharField(max_length=24)
    email = forms.EmailField(required=False)


MSG_SHARE_MODE = "Choose whether to add these items to your cart or replace your cart with them."


class AcceptSharedCartForm(SafeForm):
    mode = forms.ChoiceField(
        choices=[("merge", "Add to my cart"), ("replace", "Replace my cart")],
        error_messages={"required": MSG_SHARE_MODE, "invalid_choice": MSG_SHARE_MODE},
    )


# ---------------------------------------------------------------------------- assisted selling

MSG_FIND = "Enter the customer's email address or 10-digit mobile number."
MSG_CUSTOMER = "Choose a customer from the search results."
MSG_NAME = "Enter the customer's name."
MSG_EMAIL = "Enter the customer's email address."
MSG_CODE = "Enter the 6-digit code the customer reads out."


class FindCustomerForm(SafeForm):
    q = forms.CharField(max_length=254, error_messages={"required": MSG_FIND})


class AssistForm(SafeForm):
    customer = forms.IntegerField(
        min_value=1, error_messages={"required": MSG_CUSTOMER, "invalid": MSG_CUSTOMER}
    )


class CreateCustomerForm(SafeForm):
    name = forms.CharField(max_length=150, error_messages={"required": MSG_NAME})
    email = forms.EmailField(
        max_length=ACCOUNT_EMAIL_MAX_LENGTH,
        error_messages={"required": MSG_EMAIL, "invalid": MSG_EMAIL, "max_length": MSG_EMAIL_TOO_LONG},
    )
    phone = forms.CharField(max_length=20, required=False)

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return _phone(value) if value else ""


class ConfirmCodeForm(SafeForm):
    code = forms.RegexField(
        regex=r"^\s*[0-9]{6}\s*$", error_messages={"required": MSG_CODE, "invalid": MSG_CODE}
    )
