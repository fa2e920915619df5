"""python manage.py provider add|list|test|activate: provider accounts from the shell."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from storefront.crypto import CredentialsUnreadable
from storefront.exceptions import StorefrontError
from storefront.models import ProviderAccount, ProviderKind
from storefront.providers import registry


class Command(BaseCommand):
    help = "Manage provider accounts (secrets are stored encrypted and never printed)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add or update an account")
        add.add_argument("--kind", required=True, choices=[k.value for k in ProviderKind])
        add.add_argument("--name", required=True)
        add.add_argument("--base-url", default="")
        add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="values")
        add.add_argument("--activate", action="store_true")
        add.add_argument("--connect-timeout", type=float)
        add.add_argument("--read-timeout", type=float)
        sub.add_parser("list", help="list accounts, secrets masked")
        test = sub.add_parser("test", help="make one cheap call with the account")
        test.add_argument("name")
        activate = sub.add_parser("activate", help="make the account the active one for its role(s)")
        activate.add_argument("name")

    def handle(self, *args, action: str, **options):
        getattr(self, f"do_{action}")(**options)

    def _get(self, name: str) -> ProviderAccount:
        try:
            return ProviderAccount.objects.get(name=name)
        except ProviderAccount.DoesNotExist as exc:
            raise CommandError(f"no provider account named {name!r} (see `provider list`)") from exc

    def do_add(self, *, kind, name, base_url, values, activate, connect_timeout, read_timeout, **_):
        pairs = {}
        for item in values:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--set takes KEY=VALUE, got {item.split('=')[0]!r}")
            pairs[key.strip()] = value
        with transaction.atomic():
            account, created = ProviderAccount.objects.get_or_create(name=name, defaults={"kind": kind})
            if account.kind != kind:
                raise CommandError(f"{name!r} exists with kind {account.kind!r}; pick another name")
            if base_url:
                account.base_url = base_url
            if kind != ProviderKind.LOCAL and not account.base_url:
                raise CommandError(f"--base-url is required for kind {kind!r}")
            if connect_timeout:
                account.connect_timeout = connect_timeout
            if read_timeout:
                account.read_timeout = read_timeout
            account.update_credentials(pairs)
            missing = account.missing_keys()
            if missing:
                raise CommandError(
                    f"missing required key(s) for {kind}: {', '.join(missing)} (use --set KEY=VALUE)"
                )
            account.full_clean(exclude=["credentials_encrypted"])
            account.save()
        try:
            roles = registry.activate(account) if activate else []
        except registry.UnknownProviderKind as exc:
            raise CommandError(str(exc)) from exc
        verb = "added" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {account.name} ({account.kind})"))
        if roles:
            self.stdout.write(f"active for: {', '.join(roles)}")

    def do_list(self, **_):
        accounts = list(ProviderAccount.objects.all())
        if not accounts:
            self.stdout.write("no provider accounts; the embedded local provider serves the shop")
            return
        for account in accounts:
            roles = [
                r
                for r, on in (("shop", account.active_for_shop), ("vouchers", account.active_for_vouchers))
                if on
            ]
            try:
                creds = ", ".join(f"{k}={v}" for k, v in account.masked_credentials().items()) or "-"
            except CredentialsUnreadable:
                creds = "(unreadable with the current CREDENTIALS_KEY)"
            self.stdout.write(
                f"{account.name}\t{account.kind}\t{account.base_url or '-'}\t"
                f"{'active: ' + '+'.join(roles) if roles else 'inactive'}\t{creds}"
            )

    def do_test(self, *, name, **_):
        account = self._get(name)
        started = time.perf_counter()
        try:
            provider = registry.provider_class(account.kind, account.roles()[0])(account)
            result = provider.ping()
        except registry.UnknownProviderKind as exc:
            raise CommandError(str(exc)) from exc
        except CredentialsUnreadable as exc:
            raise CommandError(str(exc)) from exc
        except StorefrontError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            raise CommandError(
                f"{account.name}: FAILED after {elapsed:.0f} ms: {type(exc).__name__}: {exc.user_message}"
            ) from exc
        elapsed = (time.perf_counter() - started) * 1000
        self.stdout.write(self.style.SUCCESS(f"{account.name}: OK in {elapsed:.0f} ms: {result}"))

    def do_activate(self, *, name, **_):
        account = self._get(name)
        try:
            roles = registry.activate(account)
        except registry.UnknownProviderKind as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{account.name} is now active for: {', '.join(roles)}"))
