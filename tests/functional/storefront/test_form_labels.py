"""The account pages' labels read like every other label on the site ("Email", "Pincode"), not with
Django's default colon ("Email:"), which stood out on the sign-in and sign-up cards."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def _labels(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


def test_sign_in_and_sign_up_labels_have_no_colon(client, demo):
    sign_in = _labels(client.get("/accounts/login/").content.decode())
    sign_up = _labels(client.get("/accounts/signup/").content.decode())

    assert "Email" in sign_in and "Password" in sign_in
    assert [label for label in sign_up if label in ("Name", "Email", "Password")] == [
        "Name",
        "Email",
        "Password",
    ]
    assert not [label for label in sign_in + sign_up if label.endswith(":")]


def test_a_refused_sign_up_keeps_its_labels_without_colon(client, demo):
    response = client.post("/accounts/signup/", {"name": "", "email": "not-an-email", "password": "1"})

    labels = _labels(response.content.decode())
    assert "Email" in labels
    assert not [label for label in labels if label.endswith(":")]


def test_the_welcome_link_password_labels_have_no_colon(client, demo):
    user = get_user_model().objects.create_user(username="new@example.com", email="new@example.com")
    user.set_unusable_password()
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    url = f"/accounts/welcome/{uid}/{default_token_generator.make_token(user)}/"

    labels = _labels(client.get(url).content.decode())
    assert "New password" in labels
    assert not [label for label in labels if label.endswith(":")]
