"""`manage.py provider add|list|activate|test`: what an operator types and sees."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from storefront.models import ProviderAccount
from storefront.providers import registry

FYND_TOKEN = "fynd-secret-token-7Hq2Lm9Xw"
ENKASH_SECRET = "enkash-client-secret-Pz4"
ENKASH_PASSWORD = "enkash-pass-Kk81"


def run(*args: str, capsys=None) -> str:
    """Run the command; return what it printed on stdout and stderr."""
    call_command("provider", *args)
    out = capsys.readouterr() if capsys else None
    return (out.out + out.err) if out else ""


@pytest.fixture
def fynd(db, capsys) -> str:
    run(
        "add",
        "--kind", "fynd",
        "--name", "fynd-main",
        "--base-url", "https://api.fynd.example",
        "--set", "application_id=app-PUBLIC-42",
        "--set", f"application_token={FYND_TOKEN}",
        capsys=capsys,
    )  # fmt: skip
    return "fynd-main"


def _raw_credentials(name: str) -> str:
    table = ProviderAccount._meta.db_table
    column = connection.ops.quote_name("credentials_encrypted")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {connection.ops.quote_name(table)} WHERE name = %s", [name])  # noqa: S608
        return cursor.fetchone()[0]


def test_add_stores_the_account_with_encrypted_credentials(fynd, capsys):
    account = ProviderAccount.objects.get(name=fynd)

    assert account.kind == "fynd"
    assert account.base_url == "https://api.fynd.example"
    assert account.credentials == {"application_id": "app-PUBLIC-42", "application_token": FYND_TOKEN}
    raw = _raw_credentials(fynd)
    assert raw and FYND_TOKEN not in raw and "application_token" not in raw
    assert not account.active_for_shop


def test_add_says_what_it_did_and_never_prints_the_secret(db, capsys):
    output = run(
        "add", "--kind", "fynd", "--name", "fynd-x", "--base-url", "https://api.fynd.example",
        "--set", "application_id=app-1", "--set", f"application_token={FYND_TOKEN}",
        capsys=capsys,
    )  # fmt: skip

    assert "added fynd-x (fynd)" in output
    assert FYND_TOKEN not in output


def test_add_with_activate_makes_the_account_active(db, capsys):
    output = run("add", "--kind", "local", "--name", "embedded", "--activate", capsys=capsys)

    assert "added embedded (local)" in output
    assert "active for: shop, vouchers" in output
    account = ProviderAccount.objects.get(name="embedded")
    assert (account.active_for_shop, account.active_for_vouchers) == (True, True)


def test_a_kind_without_a_built_provider_is_saved_but_not_activated(db, monkeypatch, capsys):
    monkeypatch.delitem(registry.PROVIDER_CLASSES, ("fynd", "shop"), raising=False)

    with pytest.raises(CommandError) as exc:
        call_command(
            "provider", "add", "--kind", "fynd", "--name", "fynd-y", "--base-url", "https://api.fynd.example",
            "--set", "application_id=app-1", "--set", f"application_token={FYND_TOKEN}", "--activate",
        )  # fmt: skip

    assert "not available" in str(exc.value)
    assert FYND_TOKEN not in str(exc.value) + capsys.readouterr().out
    account = ProviderAccount.objects.get(name="fynd-y")
    assert not account.active_for_shop


@pytest.mark.parametrize(
    ("kind", "values", "missing"),
    [
        ("fynd", ["application_id=app-1"], "application_token"),
        ("commerce_engine", ["store_id=store-1"], "api_key"),
        ("sourcehub", [], "token"),
        ("enkash", ["client_id=c", "username=u"], "client_secret, password"),
    ],
)
def test_add_checks_the_required_keys_of_each_kind(db, kind, values, missing):
    args = ["add", "--kind", kind, "--name", "acct", "--base-url", "https://api.example.com"]
    for value in values:
        args += ["--set", value]

    with pytest.raises(CommandError) as exc:
        call_command("provider", *args)

    assert f"missing required key(s) for {kind}: {missing}" in str(exc.value)
    assert not ProviderAccount.objects.filter(name="acct").exists()


def test_add_of_a_remote_kind_needs_a_base_url(db):
    with pytest.raises(CommandError) as exc:
        call_command("provider", "add", "--kind", "sourcehub", "--name", "sh", "--set", "token=t0ken-value")

    assert "--base-url is required" in str(exc.value)
    assert not ProviderAccount.objects.filter(name="sh").exists()


def test_add_refuses_a_malformed_set_without_echoing_it(db):
    with pytest.raises(CommandError) as exc:
        call_command("provider", "add", "--kind", "local", "--name", "l2", "--set", "just-a-secret-value")

    assert "KEY=VALUE" in str(exc.value)


def test_add_again_updates_only_the_keys_given(fynd, capsys):
    output = run("add", "--kind", "fynd", "--name", fynd, "--set", "currency_code=INR", capsys=capsys)

    assert f"updated {fynd} (fynd)" in output
    credentials = ProviderAccount.objects.get(name=fynd).credentials
    assert credentials["application_token"] == FYND_TOKEN
    assert credentials["currency_code"] == "INR"


def test_add_with_another_kind_for_an_existing_name_is_refused(fynd):
    with pytest.raises(CommandError) as exc:
        call_command("provider", "add", "--kind", "local", "--name", fynd)

    assert "exists with kind 'fynd'" in str(exc.value)
    assert ProviderAccount.objects.get(name=fynd).kind == "fynd"


def test_list_masks_secrets_and_shows_public_ids(fynd, capsys):
    run(
        "add", "--kind", "enkash", "--name", "vouchers", "--base-url", "https://market.enkash.example",
        "--set", "client_id=client-PUBLIC", "--set", f"client_secret={ENKASH_SECRET}",
        "--set", "username=ops@shop", "--set", f"password={ENKASH_PASSWORD}",
        capsys=capsys,
    )  # fmt: skip

    output = run("list", capsys=capsys)

    lines = {line.split("\t")[0]: line for line in output.splitlines()}
    assert set(lines) >= {"fynd-main", "vouchers"}
    for secret in (FYND_TOKEN, ENKASH_SECRET, ENKASH_PASSWORD):
        assert secret not in output
    assert "application_id=app-PUBLIC-42" in lines["fynd-main"]
    assert "application_token=" + "•" * 8 + "Xw" in lines["fynd-main"]  # only the last two characters
    assert "client_id=client-PUBLIC" in lines["vouchers"]
    assert "username=ops@shop" in lines["vouchers"]
    assert "inactive" in lines["vouchers"]


def test_activate_picks_the_role_from_the_kind(fynd, capsys, monkeypatch):
    # as if the Fynd and EnKash adapters were built (the role comes from the kind alone)
    local = registry.PROVIDER_CLASSES[("local", "shop")]
    monkeypatch.setitem(registry.PROVIDER_CLASSES, ("fynd", "shop"), local)
    monkeypatch.setitem(registry.PROVIDER_CLASSES, ("enkash", "vouchers"), local)
    run(
        "add", "--kind", "enkash", "--name", "vouchers", "--base-url", "https://market.enkash.example",
        "--set", "client_id=c", "--set", "client_secret=s", "--set", "username=u", "--set", "password=p",
        capsys=capsys,
    )  # fmt: skip
    run("add", "--kind", "local", "--name", "embedded", capsys=capsys)

    assert "active for: shop" in run("activate", fynd, capsys=capsys)
    assert "active for: vouchers" in run("activate", "vouchers", capsys=capsys)
    shop, vouchers = ProviderAccount.objects.get(name=fynd), ProviderAccount.objects.get(name="vouchers")
    assert (shop.active_for_shop, shop.active_for_vouchers) == (True, False)
    assert (vouchers.active_for_shop, vouchers.active_for_vouchers) == (False, True)

    # local serves both roles, taking them over from the others
    assert "active for: shop, vouchers" in run("activate", "embedded", capsys=capsys)
    assert list(ProviderAccount.objects.filter(active_for_shop=True).values_list("name", flat=True)) == [
        "embedded"
    ]
    assert list(ProviderAccount.objects.filter(active_for_vouchers=True).values_list("name", flat=True)) == [
        "embedded"
    ]
    assert "active: shop+vouchers" in run("list", capsys=capsys)


def test_activate_of_an_unknown_name_fails(db):
    with pytest.raises(CommandError) as exc:
        call_command("provider", "activate", "nope")

    assert "no provider account named 'nope'" in str(exc.value)


def test_test_local_exits_zero_and_prints_ok_with_latency(demo, capsys):
    call_command("provider", "add", "--kind", "local", "--name", "embedded")
    capsys.readouterr()

    execute_from_command_line(["manage.py", "provider", "test", "embedded"])  # returns: exit status 0

    output = capsys.readouterr().out
    assert re.search(r"^embedded: OK in \d+ ms: \d+ products in the local catalogue$", output.strip())


def test_test_of_an_unknown_name_exits_non_zero(db, capsys):
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "provider", "test", "no-such-account"])

    assert exc.value.code != 0
    assert "no provider account named 'no-such-account'" in capsys.readouterr().err
