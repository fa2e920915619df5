"""Provider credentials: encrypted at rest, rotatable keys, never shown or repr'd in clear text,
and exactly one active account per role."""

from __future__ import annotations

import pytest

from storefront import crypto
from storefront.crypto import CredentialsUnreadable
from storefront.models import ProviderAccount
from storefront.providers import registry
from storefront.providers.registry import PROVIDER_CLASSES, UnknownProviderKind

KEY_A = "key-a-old-0123456789"
KEY_B = "key-b-new-9876543210"

FYND_CREDS = {"application_id": "app-PUBLIC-1001", "application_token": "tok-SECRET-fynd-XY"}
ENKASH_CREDS = {
    "client_id": "cid-PUBLIC-77",
    "client_secret": "cs-SECRET-enkash-QZ",
    "username": "ops@example.in",
    "password": "pw1234",  # short: must show no characters at all
}


@pytest.fixture
def no_provider_accounts(db):
    """Start from an empty ProviderAccount table, whatever the test database was seeded with."""
    ProviderAccount.objects.all().delete()


@pytest.fixture
def built_kinds(monkeypatch):
    """Pretend the remote providers are built, to test the role rules on their kinds."""
    local = PROVIDER_CLASSES[("local", "shop")]
    for kind, role in (("fynd", "shop"), ("enkash", "vouchers")):
        monkeypatch.setitem(PROVIDER_CLASSES, (kind, role), local)


@pytest.mark.django_db
def test_a_kind_without_a_built_provider_cannot_be_activated(monkeypatch):
    monkeypatch.delitem(PROVIDER_CLASSES, ("fynd", "shop"), raising=False)
    fynd = make_account("fynd-main", "fynd", FYND_CREDS)

    with pytest.raises(UnknownProviderKind):
        registry.activate(fynd)

    assert not ProviderAccount.objects.filter(active_for_shop=True, kind="fynd").exists()


def make_account(name: str, kind: str, creds: dict[str, str] | None = None) -> ProviderAccount:
    account = ProviderAccount(name=name, kind=kind, base_url="" if kind == "local" else "https://api.example")
    account.set_credentials(creds or {})
    account.save()
    return account


def stored_column(account: ProviderAccount) -> str:
    """The raw text in the database column (a TextField: the ORM does not decrypt it)."""
    return ProviderAccount.objects.filter(pk=account.pk).values_list("credentials_encrypted", flat=True).get()


# --------------------------------------------------------------------------- crypto module


def test_encrypt_then_decrypt_round_trips(settings):
    settings.CREDENTIALS_KEY = [KEY_A]
    data = {"application_token": "tok-SECRET", "pin": "1234", "unicode": "₹ नमस्ते"}

    token = crypto.encrypt(data)

    assert crypto.decrypt(token) == data
    assert "tok-SECRET" not in token
    assert "1234" not in token


def test_an_empty_token_decrypts_to_no_credentials():
    assert crypto.decrypt("") == {}


def test_rotation_keeps_old_tokens_readable_and_moves_them_to_the_new_key(settings):
    settings.CREDENTIALS_KEY = [KEY_A]
    old_token = crypto.encrypt(FYND_CREDS)

    settings.CREDENTIALS_KEY = [KEY_B, KEY_A]
    assert crypto.decrypt(old_token) == FYND_CREDS
    new_token = crypto.rotate(old_token)
    assert new_token != old_token
    assert crypto.decrypt(new_token) == FYND_CREDS

    settings.CREDENTIALS_KEY = [KEY_B]
    assert crypto.decrypt(new_token) == FYND_CREDS
    with pytest.raises(CredentialsUnreadable):
        crypto.decrypt(old_token)

    settings.CREDENTIALS_KEY = [KEY_A]
    with pytest.raises(CredentialsUnreadable):
        crypto.decrypt(new_token)  # rotate() really re-encrypted with B


def test_new_tokens_use_the_first_key(settings):
    settings.CREDENTIALS_KEY = [KEY_B, KEY_A]
    token = crypto.encrypt(FYND_CREDS)

    settings.CREDENTIALS_KEY = [KEY_B]
    assert crypto.decrypt(token) == FYND_CREDS


def test_an_unrelated_key_cannot_read_the_credentials(settings):
    settings.CREDENTIALS_KEY = [KEY_A]
    token = crypto.encrypt(FYND_CREDS)

    settings.CREDENTIALS_KEY = ["some-unrelated-key"]
    with pytest.raises(CredentialsUnreadable) as excinfo:
        crypto.decrypt(token)

    assert "tok-SECRET" not in str(excinfo.value)


def test_a_tampered_token_is_unreadable(settings):
    settings.CREDENTIALS_KEY = [KEY_A]
    token = crypto.encrypt(FYND_CREDS)
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")

    with pytest.raises(CredentialsUnreadable):
        crypto.decrypt(tampered)


def test_blank_key_entries_are_ignored(settings):
    settings.CREDENTIALS_KEY = ["", "  ", KEY_A]
    token = crypto.encrypt(FYND_CREDS)

    settings.CREDENTIALS_KEY = [KEY_A]
    assert crypto.decrypt(token) == FYND_CREDS


def test_without_a_configured_key_credentials_still_encrypt(settings):
    settings.CREDENTIALS_KEY = []

    token = crypto.encrypt(FYND_CREDS)

    assert "tok-SECRET" not in token
    assert crypto.decrypt(token) == FYND_CREDS


# --------------------------------------------------------------------------- ProviderAccount storage


@pytest.mark.django_db
def test_account_credentials_round_trip_through_the_database():
    account = make_account("fynd-main", "fynd", FYND_CREDS)

    assert ProviderAccount.objects.get(pk=account.pk).credentials == FYND_CREDS


@pytest.mark.django_db
def test_the_database_column_holds_no_plaintext():
    account = make_account("enkash-main", "enkash", ENKASH_CREDS)

    column = stored_column(account)

    assert column
    for value in (*FYND_CREDS.values(), *ENKASH_CREDS.values()):
        assert value not in column
    for key in ENKASH_CREDS:
        assert key not in column


@pytest.mark.django_db
def test_empty_values_are_not_stored():
    account = make_account("fynd-main", "fynd", {**FYND_CREDS, "currency_code": ""})

    assert "currency_code" not in account.credentials


@pytest.mark.django_db
def test_update_credentials_merges_and_keeps_keys_not_given():
    account = make_account("fynd-main", "fynd", FYND_CREDS)

    account.update_credentials({"application_token": "tok-NEW-value-99", "application_id": ""})
    account.save()

    account.refresh_from_db()
    assert account.credentials == {
        "application_id": "app-PUBLIC-1001",
        "application_token": "tok-NEW-value-99",
    }


@pytest.mark.django_db
def test_missing_keys_lists_what_the_kind_requires():
    account = make_account("enkash-main", "enkash", {"client_id": "cid-1", "password": "pw"})

    assert account.missing_keys() == ["client_secret", "username"]
    assert make_account("demo", "local").missing_keys() == []


@pytest.mark.django_db
def test_account_rotation_to_a_new_key(settings):
    settings.CREDENTIALS_KEY = [KEY_A]
    account = make_account("fynd-main", "fynd", FYND_CREDS)

    settings.CREDENTIALS_KEY = [KEY_B, KEY_A]
    account.credentials_encrypted = crypto.rotate(account.credentials_encrypted)
    account.save()

    settings.CREDENTIALS_KEY = [KEY_B]
    assert ProviderAccount.objects.get(pk=account.pk).credentials == FYND_CREDS


@pytest.mark.django_db
def test_an_account_encrypted_with_another_key_is_unreadable_not_empty(settings):
    settings.CREDENTIALS_KEY = [KEY_A]
    account = make_account("fynd-main", "fynd", FYND_CREDS)

    settings.CREDENTIALS_KEY = ["some-unrelated-key"]
    account = ProviderAccount.objects.get(pk=account.pk)

    with pytest.raises(CredentialsUnreadable):
        account.credentials  # noqa: B018
    with pytest.raises(CredentialsUnreadable):
        account.masked_credentials()


# --------------------------------------------------------------------------- masking and repr


@pytest.mark.django_db
def test_masked_credentials_show_public_ids_and_at_most_two_secret_chars():
    account = make_account("enkash-main", "enkash", ENKASH_CREDS)

    masked = account.masked_credentials()

    assert masked["client_id"] == "cid-PUBLIC-77"
    assert masked["username"] == "ops@example.in"
    assert masked["client_secret"].endswith("QZ")
    assert masked["client_secret"].replace("•", "") == "QZ"
    assert masked["password"].replace("•", "") == ""  # short secrets show nothing
    shown = " ".join(masked.values())
    assert "SECRET" not in shown
    assert "pw1234" not in shown


@pytest.mark.django_db
def test_masking_does_not_reveal_the_length_of_a_secret():
    short = make_account("a", "sourcehub", {"token": "abcdefghij"})
    long = make_account("b", "sourcehub", {"token": "abcdefghij" * 5})

    assert len(short.masked_credentials()["token"]) == len(long.masked_credentials()["token"])


@pytest.mark.django_db
def test_repr_and_str_of_an_account_hold_no_secrets():
    account = make_account("fynd-main", "fynd", FYND_CREDS)

    for text in (repr(account), str(account), repr([account]), repr(ProviderAccount.objects.all())):
        assert "fynd-main" in text
        assert "tok-SECRET" not in text
        assert "app-PUBLIC" not in text
        assert account.credentials_encrypted not in text


# --------------------------------------------------------------------------- activation


def active() -> tuple[list[str], list[str]]:
    shop = list(ProviderAccount.objects.filter(active_for_shop=True).values_list("name", flat=True))
    vouchers = list(ProviderAccount.objects.filter(active_for_vouchers=True).values_list("name", flat=True))
    return shop, vouchers


@pytest.mark.usefixtures("no_provider_accounts")
def test_a_local_account_takes_both_roles():
    local = make_account("demo", "local")

    assert local.activate() == ["shop", "vouchers"]
    assert active() == (["demo"], ["demo"])


@pytest.mark.usefixtures("no_provider_accounts")
def test_two_local_accounts_activate_in_turn():
    first = make_account("demo-1", "local")
    second = make_account("demo-2", "local")

    first.activate()
    second.activate()
    assert active() == (["demo-2"], ["demo-2"])

    first.refresh_from_db()
    first.activate()
    assert active() == (["demo-1"], ["demo-1"])


@pytest.mark.usefixtures("no_provider_accounts")
def test_shop_and_voucher_accounts_take_only_their_own_role(built_kinds):
    local = make_account("demo", "local")
    fynd = make_account("fynd-main", "fynd", FYND_CREDS)
    enkash = make_account("enkash-main", "enkash", ENKASH_CREDS)
    local.activate()

    assert fynd.activate() == ["shop"]
    assert active() == (["fynd-main"], ["demo"])

    assert enkash.activate() == ["vouchers"]
    assert active() == (["fynd-main"], ["enkash-main"])

    local.refresh_from_db()
    local.activate()
    assert active() == (["demo"], ["demo"])


@pytest.mark.django_db
def test_activating_keeps_the_credentials_readable(built_kinds):
    fynd = make_account("fynd-main", "fynd", FYND_CREDS)

    fynd.activate()

    assert ProviderAccount.objects.get(pk=fynd.pk).credentials == FYND_CREDS
