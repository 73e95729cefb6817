"""Who is writing: the customer_id the channel sent, else the one customer whose registered phone matches.

The rule is the contact timeline's (dbt_project/models/intermediate/contacts/int_interactions_resolved_to_customers.sql):
a number shared by several accounts or known to none stays unresolved, with the reason, rather than guessed.
Phone numbers are compared by the same key as its `phone_key` macro: the digits, without a leading 86 country
code on a 13-digit number.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from assistant.store import ServiceWarehouse

CUSTOMER_ID = "customer_id"
PHONE_MATCH = "phone_match"
UNKNOWN_CUSTOMER_ID = "unresolved_unknown_customer_id"
NO_PHONE = "unresolved_no_phone"
UNKNOWN_PHONE = "unresolved_unknown_phone"
AMBIGUOUS_PHONE = "unresolved_ambiguous_phone"

PROFILE_SQL = """
SELECT customer_id, name_masked, district, area_type, tariff, transformer_id, lat_approx, lon_approx
FROM marts.dim_customers WHERE customer_id = ?
"""
PHONES_SQL = "SELECT customer_id, phone FROM staging.stg_cis__customers WHERE phone IS NOT NULL"

_NON_DIGITS = re.compile(r"[^0-9]")


def phone_key(phone: str | None) -> str | None:
    """The comparable form of a phone number (the `phone_key` macro's rule), None when it has no digits."""
    digits = _NON_DIGITS.sub("", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits or None


@dataclass(frozen=True)
class Customer:
    """The customer as the answers need them: masked name only, approximate location (marts.dim_customers)."""

    customer_id: str
    name_masked: str | None
    district: str | None
    area_type: str | None
    tariff: str | None
    transformer_id: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Identity:
    """The outcome of identification: the customer (None when unresolved) and how they were found."""

    customer: Customer | None
    resolution: str

    @property
    def customer_id(self) -> str | None:
        return self.customer.customer_id if self.customer else None


class CustomerDirectory:
    """Customers by id (read per message) and by phone key (an index refreshed every `ttl_s`).

    The phone index holds every registered number's key and its owners: a few hundred kB per 10,000
    customers, rebuilt from staging in the background of a request at most once per `ttl_s`.
    """

    def __init__(self, db: ServiceWarehouse, ttl_s: float = 300.0):
        self.db = db
        self.ttl_s = ttl_s
        self._owners: dict[str, list[str]] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def profile(self, customer_id: str) -> Customer | None:
        """The customer's row of marts.dim_customers, or None."""
        rows = self.db.query(PROFILE_SQL, (customer_id,))
        if not rows:
            return None
        cid, name, district, area, tariff, tid, lat, lon = rows[0]
        return Customer(cid, name, district, area, tariff, tid, _num(lat), _num(lon))

    def owners(self, key: str) -> list[str]:
        """Customer ids whose registered phone has this key."""
        with self._lock:
            if time.monotonic() - self._loaded_at > self.ttl_s:
                owners: dict[str, list[str]] = {}
                for cid, phone in self.db.query(PHONES_SQL):
                    k = phone_key(phone)
                    if k:
                        owners.setdefault(k, []).append(cid)
                self._owners, self._loaded_at = owners, time.monotonic()
            return self._owners.get(key, [])

    def identify(self, customer_id: str | None, phone: str | None) -> Identity:
        """The customer of a message: by customer_id when given, else by a phone number exactly one has."""
        if customer_id:
            found = self.profile(customer_id)
            return Identity(found, CUSTOMER_ID if found else UNKNOWN_CUSTOMER_ID)
        key = phone_key(phone)
        if key is None:
            return Identity(None, NO_PHONE)
        owners = self.owners(key)
        if not owners:
            return Identity(None, UNKNOWN_PHONE)
        if len(owners) > 1:
            return Identity(None, AMBIGUOUS_PHONE)
        return Identity(self.profile(owners[0]), PHONE_MATCH)


def _num(value) -> float | None:
    return float(value) if value is not None else None
