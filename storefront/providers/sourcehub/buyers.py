"""Who a SourceHub cart belongs to: a SourceHub customer, never a browser session.

A signed-in storefront user is linked (models.ShopperLink) to their SourceHub customer the first
time the shop needs to know, by the email SourceHub knows (`POST customers/show?email=`, one
call); staff may set or change the link in admin (the customer id), and the record is then read
by that id. The link keeps SourceHub's approval (accepted → approved, pending, rejected); a
pending or rejected link is asked again at most every APPROVAL_RECHECK_SECONDS, so an approval
shows without the buyer doing anything. An email SourceHub does not know is remembered for
UNKNOWN_RECHECK_SECONDS (no call per page view).

What each kind of shopper may do (`buyer_access`), in plain words, never an error page:
- anonymous: browse; told to sign in with the email their business gave SourceHub;
- signed in, unknown to SourceHub: browse; told how to get a business account;
- pending approval: fill a cart, not order;
- rejected or inactive: browse; told to contact their sales agent;
- approved: everything.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from storefront.exceptions import NotFound, ProviderRejected
from storefront.models import ShopperLink
from storefront.providers import readers
from storefront.providers.base import CartContext, Person
from storefront.providers.types import BuyerAccess

from . import mapping
from .common import SourceHubBase

logger = logging.getLogger("storefront.providers.sourcehub")

APPROVAL_RECHECK_SECONDS = 5 * 60
UNKNOWN_RECHECK_SECONDS = 5 * 60
BUYER_CACHE_SECONDS = 15 * 60
CUSTOMER_PAGES = 10  # pages of 100 read to find a customer staff linked by id

MSG_SIGN_IN = (
    "This is a wholesale shop for registered businesses. Sign in (or create your login) with the "
    "email address your business gave SourceHub to see your cart and order."
)
MSG_NO_ACCOUNT = (
    "We couldn't find a SourceHub business account for {email}. If your business is registered "
    "with SourceHub under another email, sign up here with that email. If it isn't registered yet, "
    "ask your SourceHub sales agent to add your business (with your GSTIN if you have one); once "
    "they approve it you can order here. You can browse the catalogue in the meantime."
)
MSG_PENDING = (
    "Your business account{company} is waiting for SourceHub's approval. You can fill your cart "
    "now and place the order once it is approved."
)
MSG_REFUSED = (
    "SourceHub has not approved your business account{company} for ordering. Please contact your "
    "SourceHub sales agent; you can browse the catalogue in the meantime."
)
MSG_CANNOT_ADD = "Only approved business buyers can fill a cart here."


def _company(name: str) -> str:
    return f" ({name})" if name else ""


class SourceHubBuyers(SourceHubBase):
    """Linking users to SourceHub customers, and what each may do."""

    # ------------------------------------------------------------------ the link
    def _user_pk(self, person: Person) -> int | None:
        try:
            return int(person.id)
        except (TypeError, ValueError):
            return None

    def _link(self, person: Person) -> tuple[str, str]:
        """(SourceHub customer id, approval) for a signed-in person; ("", "") when SourceHub does
        not know them. Links them the first time; re-asks a pending approval now and then."""
        external_id, approval = person.external_id, person.approval
        user_pk = self._user_pk(person)
        if not external_id and user_pk is not None:
            row = ShopperLink.objects.filter(user_id=user_pk, account=self.account).first()
            if row is not None:
                external_id, approval = row.external_id, row.approval
        if external_id and approval == ShopperLink.Approval.APPROVED:
            return external_id, approval
        if external_id and not cache.add(self._key("recheck", external_id), 1, APPROVAL_RECHECK_SECONDS):
            # asked within the interval: what SourceHub said then (the person may be older)
            return external_id, cache.get(self._key("approval", external_id), approval)
        found = self.buyer_record(person, external_id=external_id, fresh=True)
        if found is None:
            return external_id, approval  # staff linked an id we cannot read now: keep it
        cache.set(self._key("approval", found.id), found.approval, APPROVAL_RECHECK_SECONDS)
        if user_pk is not None and (found.id, found.approval) != (external_id, approval):
            ShopperLink.objects.update_or_create(
                user_id=user_pk,
                account=self.account,
                defaults={"external_id": found.id, "approval": found.approval},
            )
            logger.info("user %s linked to SourceHub customer %s (%s)", user_pk, found.id, found.approval)
        return found.id, found.approval

    def buyer_record(
        self, person: Person, *, external_id: str = "", fresh: bool = False
    ) -> mapping.Buyer | None:
        """The SourceHub customer record of a person (cached BUYER_CACHE_SECONDS): by the linked id
        when there is one, else by their email (customers/show). None when SourceHub does not
        know them (remembered for UNKNOWN_RECHECK_SECONDS)."""
        external_id = external_id or person.external_id
        key = self._key("buyer", external_id or f"email:{person.email.lower()}")
        if not fresh:
            cached = cache.get(key)
            if cached is not None:
                return cached or None
        elif not external_id and cache.get(key) == "":
            return None
        found = self._find(person.email, external_id)
        cache.set(key, found or "", BUYER_CACHE_SECONDS if found else UNKNOWN_RECHECK_SECONDS)
        if found is not None:
            cache.set(self._key("buyer", found.id), found, BUYER_CACHE_SECONDS)
        return found

    def _find(self, email: str, external_id: str) -> mapping.Buyer | None:
        found = None
        if email:
            try:
                found = mapping.buyer(mapping.one(self.client.customer_show(email=email)))
            except (ProviderRejected, NotFound):  # 400: not found and invalid alike
                found = None
        if not external_id or (found is not None and found.id == external_id):
            return found
        # staff linked another customer id than the email's: read the customer list for it
        for page in range(CUSTOMER_PAGES):
            listed = mapping.rows(self.client.customers(skip=page * 100), "customers")
            for row in listed:
                if readers.as_str(row.get("id")) == external_id:
                    return mapping.buyer(row)
            if len(listed) < 100:
                break
        return None

    # ------------------------------------------------------------------ what they may do
    def buyer_access(self, ctx: CartContext) -> BuyerAccess:
        person = ctx.customer
        if person is None:
            return BuyerAccess(can_add=False, can_order=False, message=MSG_SIGN_IN)
        external_id, approval = self._link(person)
        if not external_id:
            return BuyerAccess(False, False, MSG_NO_ACCOUNT.format(email=person.email or "your email"))
        record = self.buyer_record(person, external_id=external_id)
        company = record.company if record else ""
        if approval == ShopperLink.Approval.APPROVED and (record is None or record.active):
            return BuyerAccess(True, True, "", account_name=company)
        if approval == ShopperLink.Approval.PENDING:
            return BuyerAccess(True, False, MSG_PENDING.format(company=_company(company)), company)
        return BuyerAccess(False, False, MSG_REFUSED.format(company=_company(company)), company)

    def _customer_id(self, ctx: CartContext, *, adding: bool = False) -> str | None:
        """The SourceHub customer whose cart this is; None for a shopper without one. `adding`:
        refuse (with the plain words) a shopper who may not fill a cart."""
        if ctx.customer is None:
            if adding:
                raise ProviderRejected(MSG_SIGN_IN)
            return None
        external_id, approval = self._link(ctx.customer)
        if adding:
            access = self.buyer_access(ctx)
            if not access.can_add:
                raise ProviderRejected(access.message or MSG_CANNOT_ADD)
        return external_id or None
