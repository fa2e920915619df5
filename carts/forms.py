from __future__ import annotations

from django import forms

from storefront.providers.rules import MSG_QTY_POSITIVE

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


class AddToCartForm(forms.Form):
    product = forms.CharField(max_length=64, error_messages={"required": MSG_MISSING_PRODUCT})
    size = forms.CharField(max_length=64, required=False)
    quantity = QuantityField(required=False)

    def clean_quantity(self):
        return self.cleaned_data.get("quantity") or 1


class UpdateLineForm(forms.Form):
    line = forms.CharField(max_length=64, error_messages={"required": MSG_MISSING_LINE})
    quantity = QuantityField()
    size = forms.CharField(max_length=64, required=False)


class RemoveLineForm(forms.Form):
    line = forms.CharField(max_length=64, error_messages={"required": MSG_MISSING_LINE})


class ClearCartForm(forms.Form):
    """No fields: the action is the whole request."""


class CheckDeliveryForm(forms.Form):
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
