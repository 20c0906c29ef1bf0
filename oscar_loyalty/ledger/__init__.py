"""THE only writer of points balances.

Every balance change is one call here, and every call:

* runs in one transaction that holds the account row's lock while it decides and writes, so two
  redemptions of the same points serialise and the second sees the first's result (the ORM
  path locks with ``SELECT ... FOR UPDATE`` first; on PostgreSQL, earn and redeem are single
  hand-written statements with the same guarantees, see :mod:`.pgsql`);
* is idempotent: it carries a unique ``key`` (``order:100023:earn``); posting the same key again
  returns the entry already written and changes nothing;
* writes one append-only :class:`LedgerEntry` and keeps the cached balances on the account and the
  ``remaining`` of the affected lots equal to what the entries and allocations add up to
  (``manage.py loyalty_verify`` proves it); the database refuses negative balances.

Spending consumes lots first-to-expire (FIFO), recorded as allocations, so expiry and reversal
know exactly which earned points are left.
"""

from .core import (
    MAX_POINTS_PER_ENTRY,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidPoints,
    LedgerError,
    account_for_owner,
    account_for_user,
    owner_key_for_user,
    validate_points,
)
from .holds import capture_hold, hold, release_hold
from .postings import (
    adjust,
    confirm_lot,
    earn,
    earned_by_order,
    expire_balance,
    expire_lot,
    redeem,
    restore,
    reverse,
    reversed_so_far,
)

__all__ = [
    "MAX_POINTS_PER_ENTRY",
    "IdempotencyConflict",
    "InsufficientPoints",
    "InvalidPoints",
    "LedgerError",
    "account_for_owner",
    "account_for_user",
    "adjust",
    "capture_hold",
    "confirm_lot",
    "earn",
    "earned_by_order",
    "expire_balance",
    "expire_lot",
    "hold",
    "owner_key_for_user",
    "redeem",
    "release_hold",
    "restore",
    "reverse",
    "reversed_so_far",
    "validate_points",
]
