"""Candidate speed-ups of the ledger, tried in copies here, never in ``oscar_loyalty`` itself.

``install(name)`` patches a variant into the *current process* only (benchmark clients call it
right after ``django.setup()``), so one harness measures the shipped ledger and each candidate
side by side. Works with ``oscar_loyalty/ledger.py`` (``_post``, ``_take_fifo``) and with the
``oscar_loyalty/ledger/`` package (``core.post_entry``, ``core.take_fifo``). Every variant writes
the same rows and balances and raises the same errors (``loyalty_verify`` passes after them):

``fifo_paged``
    the FIFO read fetches the lots in small pages with ordinary queries (``LIMIT 4``, then 16,
    64...; most redemptions need one or two lots). Shipped: ``.iterator(chunk_size=100)``, a
    server-side cursor (DECLARE, describe, FETCH, CLOSE: 4 round trips, 1 logged by Django) that
    fetches and builds up to 100 ``PointsLot`` objects per redemption even when the first lot
    covers it. (A single query with a running ``SUM(remaining) OVER (...)`` filter was tried too:
    1 round trip, but Django's window filter costs more client CPU than it saves.)
``merged_key``
    the idempotency check is a scalar subquery of the account's ``SELECT ... FOR UPDATE``: one
    round trip less per posting. A key committed before the statement still returns the earlier
    entry; a retry racing the first posting (invisible to the statement's snapshot) hits the
    unique index and then returns the entry the other transaction committed.
``both``
    the two together.
``update_first``
    ``earn`` and ``redeem`` lock, check the key, check the balance and apply the delta in one
    ``UPDATE ... WHERE NOT EXISTS (key) AND available >= points RETURNING`` (plus
    ``fifo_paged``), so an earn is BEGIN, UPDATE, INSERT entry, INSERT lot, COMMIT: the five
    round trips of pgbench's simple-update. Other postings as in ``both``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from types import ModuleType

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, PointsAccount, PointsLot

try:  # the ledger/ package
    from oscar_loyalty.ledger import core as CORE  # noqa: N812

    NAMES = {"post": "post_entry", "take": "take_fifo", "apply": "apply_lots", "change": "Change"}
except ImportError:  # the single ledger.py module
    CORE = ledger
    NAMES = {"post": "_post", "take": "_take_fifo", "apply": "_apply_lots", "change": "_Change"}

FIFO_ORDER = (F("expires_at").asc(nulls_last=True), F("earned_at").asc(), F("pk").asc())


def _core(name: str):
    return getattr(CORE, NAMES[name])


def take_fifo_paged(account: PointsAccount, points: int, exclude: Iterable[int] = ()):
    """Same result as the shipped FIFO, (allocations, taken), read in small ordinary pages
    (4 lots, then 16, 64...): under the account lock no other posting moves these lots."""
    lots = (
        PointsLot.objects.filter(account=account, status=PointsLot.AVAILABLE, remaining__gt=0)
        .exclude(pk__in=list(exclude))
        .order_by(*FIFO_ORDER)
    )
    allocations, taken, offset, size = [], 0, 0, 4
    while taken < points:
        page = list(lots[offset : offset + size])
        for lot in page:
            if taken >= points:
                break
            portion = min(lot.remaining, points - taken)
            allocations.append((lot, portion))
            taken += portion
        if len(page) < size:
            break
        offset, size = offset + size, size * 4
    return allocations, taken


def _earlier(key: str, account_id: int) -> LedgerEntry:
    existing = LedgerEntry.objects.get(idempotency_key=key)
    if existing.account_id != account_id:
        raise ledger.IdempotencyConflict(f"key {key!r} belongs to account {existing.account_id}")
    return existing


def _write(locked, kind: str, key: str, change, at: datetime, entry_fields: dict) -> LedgerEntry:
    entry = LedgerEntry.objects.create(
        account=locked,
        kind=kind,
        idempotency_key=key,
        available_delta=change.available,
        pending_delta=change.pending,
        held_delta=change.held,
        created_at=at,
        detail={**entry_fields.pop("detail", {}), **change.detail},
        **entry_fields,
    )
    _core("apply")(locked, entry, change, at)
    return entry


def _copy_back(account, row, entry: LedgerEntry, key: str) -> None:
    CORE.logger.info("ledger %s %s account=%s key=%s", entry.kind, entry.points, row.pk, key)
    if isinstance(account, PointsAccount):
        account.available, account.pending = row.available, row.pending
        account.held, account.last_activity_at = row.held, row.last_activity_at


def post_merged_key(
    account: PointsAccount | int,
    *,
    key: str,
    kind: str,
    compute: Callable,
    at: datetime | None = None,
    touch_activity: bool = True,
    **entry_fields,
) -> LedgerEntry | None:
    """The shipped posting with the key check folded into the account lock."""
    if not key or len(key) > 255:
        raise ledger.LedgerError("an idempotency key of 1 to 255 characters is required")
    account_id = account if isinstance(account, int) else account.pk
    at = at or timezone.now()
    same_key = LedgerEntry.objects.filter(idempotency_key=key).order_by().values("pk")[:1]
    try:
        with transaction.atomic():
            locked = (
                PointsAccount.objects.select_for_update(of=("self",))
                .annotate(existing_id=Subquery(same_key))
                .get(pk=account_id)
            )
            if locked.existing_id is not None:
                return _earlier(key, account_id)
            change = compute(locked)
            if change.skip:
                return None
            entry = _write(locked, kind, key, change, at, entry_fields)
            locked.available += change.available
            locked.pending += change.pending
            locked.held += change.held
            fields = ["available", "pending", "held"]
            if touch_activity:
                locked.last_activity_at = at
                fields.append("last_activity_at")
            locked.save(update_fields=fields)
    except IntegrityError:
        if LedgerEntry.objects.filter(idempotency_key=key).exists():
            return _earlier(key, account_id)  # a concurrent posting of this key committed first
        raise
    _copy_back(account, locked, entry, key)
    return entry


UPDATE_FIRST = """
UPDATE {account} SET available = available + %s, pending = pending + %s, last_activity_at = %s
WHERE id = %s AND available + %s >= 0
  AND NOT EXISTS (SELECT 1 FROM {entry} WHERE idempotency_key = %s)
RETURNING id, available, pending, held, last_activity_at
"""


def _post_update_first(account, key: str, kind: str, change, at: datetime, fields: dict):
    """Lock + key check + balance check + new balance in one statement, then the rows."""
    sql = UPDATE_FIRST.format(
        account=PointsAccount._meta.db_table, entry=LedgerEntry._meta.db_table
    )
    needs_lots = change.available < 0
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    sql, [change.available, change.pending, at, account.pk, change.available, key]
                )
                row = cursor.fetchone()
            if row is None:
                if LedgerEntry.objects.filter(idempotency_key=key).exists():
                    return _earlier(key, account.pk)
                available = PointsAccount.objects.get(pk=account.pk).available
                raise ledger.InsufficientPoints(
                    _("Only %(available)s points are available.") % {"available": available}
                )
            locked = PointsAccount(id=row[0], available=row[1], pending=row[2], held=row[3])
            locked.last_activity_at = row[4]
            if needs_lots:
                change.allocations, _taken = take_fifo_paged(locked, -change.available)
            entry = _write(locked, kind, key, change, at, fields)
    except IntegrityError:
        if LedgerEntry.objects.filter(idempotency_key=key).exists():
            return _earlier(key, account.pk)
        raise
    _copy_back(account, locked, entry, key)
    return entry


def earn_update_first(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    description: str = "",
    pending_until: datetime | None = None,
    expires_at: datetime | None = None,
    kind: str = LedgerEntry.EARN,
    at: datetime | None = None,
    **fields,
) -> LedgerEntry:
    ledger.validate_points(points)
    at = at or timezone.now()
    lot = {"points": points, "expires_at": expires_at}
    if pending_until is not None and pending_until > at:
        lot.update(status=PointsLot.PENDING, available_at=pending_until)
        change = _core("change")(pending=points, new_lot=lot)
    else:
        lot.update(status=PointsLot.AVAILABLE, available_at=at)
        change = _core("change")(available=points, new_lot=lot)
    return _post_update_first(account, key, kind, change, at, dict(fields, description=description))


def redeem_update_first(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    description: str = "",
    at: datetime | None = None,
    **fields,
) -> LedgerEntry:
    ledger.validate_points(points)
    change = _core("change")(available=-points)
    fields = dict(fields, description=description)
    return _post_update_first(
        account, key, LedgerEntry.REDEEM, change, at or timezone.now(), fields
    )


VARIANTS: dict[str, dict[str, Callable]] = {
    "baseline": {},
    "fifo_paged": {"take": take_fifo_paged},
    "merged_key": {"post": post_merged_key},
    "both": {"take": take_fifo_paged, "post": post_merged_key},
    "update_first": {
        "take": take_fifo_paged,
        "post": post_merged_key,
        "earn": earn_update_first,
        "redeem": redeem_update_first,
    },
}


_BOUND: dict[str, object] = {}  # part -> what is bound now, once a variant was installed


def _replace(current: object, replacement: object) -> None:
    """Rebind every oscar_loyalty module global that holds ``current``."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("oscar_loyalty") or not isinstance(module, ModuleType):
            continue
        for attr, value in list(vars(module).items()):
            if value is current:
                setattr(module, attr, replacement)


def _shipped(part: str) -> object:
    return getattr(ledger, part) if part in ("earn", "redeem") else _core(part)


def install(name: str) -> None:
    """Patch variant ``name`` into the ledger for this process (``baseline`` undoes any)."""
    if not _BOUND:
        _BOUND.update({part: _shipped(part) for part in VARIANTS["update_first"]})
        _ORIGINAL.update(_BOUND)
    for part, current in _BOUND.items():
        wanted = VARIANTS[name].get(part, _ORIGINAL[part])
        if wanted is not current:
            _replace(current, wanted)
            _BOUND[part] = wanted


_ORIGINAL: dict[str, object] = {}
