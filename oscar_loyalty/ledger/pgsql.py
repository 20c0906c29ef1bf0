"""PostgreSQL fast path of the two hot postings, earn and redeem: one statement each.

Same rows and guarantees as :func:`.core.post_entry`, without the ORM, savepoints or extra
round trips. In autocommit each posting is one round trip and its own transaction; inside a
caller's transaction it is one statement of it. Statements are prepared once per connection.

* **earn** writes the entry first with ``ON CONFLICT (idempotency_key) DO NOTHING``: a replayed
  key, even one being posted at this instant by another connection (the unique index makes us
  wait for it), writes no entry, and the account update and the lot are written only from the
  entry that was written. The account update computes the new balances on the latest row
  version, under its row lock. Nothing is read that another posting could have changed.
* **redeem** must read the open lots, which is only exact if no posting on the account commits
  between the statement's snapshot and its lock on the account. Every posting on an account
  writes a new version of its row, so the statement debits the account only if the row it
  locks is still the version of its snapshot (same ``xmin``) and ``available >= points`` and the
  key is new; only then does it write the entry and take the points from the open lots
  first-to-expire with a running sum. When that is not the case (another posting on the same
  account got in between, too few points, an unknown account) nothing was written, and the
  posting is decided again the careful way: lock the account row first, then the same statement
  (one round trip, pipelined), which sees everything committed before the lock. So refusing an
  overspend is a conditional update (no error, a caller's transaction carries on), and the
  ``available >= 0`` CHECK stays as the last line of defence.

Every other posting, and every posting on another database, goes through the ORM in ``core``.
The rows are the same either way, so ``loyalty_verify`` and the rest of the ledger see no
difference.
"""

from __future__ import annotations

import logging
from datetime import datetime

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.base import ModelState
from django.db.models.signals import post_save

from .. import conf
from ..models import LedgerEntry, LotAllocation, PointsAccount, PointsLot
from .core import IdempotencyConflict, insufficient

logger = logging.getLogger(__name__)

# Entry columns a caller may set through ``**entry_fields`` on this path (the rest are derived).
ENTRY_FIELDS = frozenset({"order_number", "rule_id", "reason", "detail", "created_by"})

# A redemption reads this many open lots, and all of them only when these do not cover it.
HEAD_LOTS = 16

_A = PointsAccount._meta.db_table
_E = LedgerEntry._meta.db_table
_L = PointsLot._meta.db_table
_AL = LotAllocation._meta.db_table
_ENTRY_COLUMNS = [field.attname for field in LedgerEntry._meta.concrete_fields]
_DETAIL = LedgerEntry._meta.get_field("detail")

# The new entry from a one-row source ``src``. Parameters are typed for the server, so that a
# prepared statement never has to guess.
_INSERT_ENTRY = f"""
    INSERT INTO {_E} (account_id, kind, available_delta, pending_delta, held_delta,
                      idempotency_key, description, order_number, rule_id, reason,
                      created_by_id, detail, created_at)
    SELECT src.id, %(kind)s::varchar, %(available)s::bigint, %(pending)s::bigint, 0,
           %(key)s::varchar, %(description)s::varchar, %(order_number)s::varchar,
           %(rule_id)s::integer, %(reason)s::text, %(created_by)s::integer, %(detail)s::jsonb,
           %(at)s::timestamptz"""

EARN = f"""
WITH entry AS (
    {_INSERT_ENTRY} FROM {_A} src WHERE src.id = %(account)s::bigint
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), acct AS (
    UPDATE {_A}
       SET available = available + %(available)s::bigint,
           pending = pending + %(pending)s::bigint,
           last_activity_at = GREATEST(last_activity_at, %(at)s::timestamptz)
     WHERE id = %(account)s::bigint AND EXISTS (SELECT 1 FROM entry)
    RETURNING available, pending, held, last_activity_at
), lot AS (
    INSERT INTO {_L} (account_id, entry_id, status, points, remaining, earned_at, available_at,
                      expires_at, order_number)
    SELECT %(account)s::bigint, entry.id, %(status)s::varchar, %(points)s::bigint,
           %(points)s::bigint, %(at)s::timestamptz, %(available_at)s::timestamptz,
           %(expires_at)s::timestamptz, %(order_number)s::varchar
      FROM entry
)
SELECT entry.id, acct.available, acct.pending, acct.held, acct.last_activity_at
  FROM entry, acct
"""

# First-to-expire (no expiry last): the order of the partial index ``loyalty_lot_open``.
_FIFO = "expires_at ASC NULLS LAST, earned_at, id"
_OPEN_LOTS = f"""
    SELECT id, remaining, expires_at, earned_at FROM {_L}
     WHERE account_id = %(account)s::bigint AND status = 'available' AND remaining > 0
       AND EXISTS (SELECT 1 FROM acct)"""

REDEEM = f"""
WITH snapshot AS (
    SELECT xmin AS version FROM {_A} WHERE id = %(account)s::bigint
), acct AS (
    UPDATE {_A}
       SET available = available - %(points)s::bigint,
           last_activity_at = GREATEST(last_activity_at, %(at)s::timestamptz)
     WHERE id = %(account)s::bigint AND available >= %(points)s::bigint
       AND xmin = (SELECT version FROM snapshot)
       AND NOT EXISTS (SELECT 1 FROM {_E} WHERE idempotency_key = %(key)s::varchar)
    RETURNING id, available, pending, held, last_activity_at
), entry AS (
    {_INSERT_ENTRY} FROM acct src
    RETURNING id
), head AS (
    {_OPEN_LOTS} ORDER BY {_FIFO} LIMIT {HEAD_LOTS}
), open_lots AS (
    SELECT * FROM head WHERE (SELECT SUM(remaining) FROM head) >= %(points)s::bigint
    UNION ALL
    {_OPEN_LOTS} AND (SELECT COALESCE(SUM(remaining), 0) FROM head) < %(points)s::bigint
), taken AS (
    SELECT id, LEAST(remaining, %(points)s::bigint - before) AS points
      FROM (SELECT id, remaining, SUM(remaining) OVER (ORDER BY {_FIFO})::bigint - remaining
                   AS before
              FROM open_lots) running
     WHERE before < %(points)s::bigint
), allocated AS (
    INSERT INTO {_AL} (entry_id, lot_id, points)
    SELECT entry.id, taken.id, taken.points FROM entry, taken
), spent AS (
    UPDATE {_L} lot SET remaining = lot.remaining - taken.points
      FROM taken, entry WHERE lot.id = taken.id
)
SELECT entry.id, acct.available, acct.pending, acct.held, acct.last_activity_at, seen.available,
       EXISTS (SELECT 1 FROM {_E} WHERE idempotency_key = %(key)s::varchar)
  FROM {_A} seen LEFT JOIN acct ON true LEFT JOIN entry ON true
 WHERE seen.id = %(account)s::bigint
"""

LOCK = f"SELECT 1 FROM {_A} WHERE id = %s::bigint FOR NO KEY UPDATE"


def usable(entry_fields: dict) -> bool:
    """Whether a posting can take the fast path: PostgreSQL, not switched off, and only entry
    fields it knows."""
    return (
        connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
        and conf.get("LEDGER_SQL_FAST_PATH")
        and ENTRY_FIELDS.issuperset(entry_fields)
    )


def _connection(db):
    """The psycopg connection, set up once for prepared statements.

    Django switches psycopg's automatic preparing off (its own cursors bind parameters on the
    client and never prepare). Ours are prepared explicitly; nothing is prepared by count. Their
    plans do not depend on the values, so the session keeps one generic plan per statement
    (this only concerns prepared statements: Django's queries are planned as before). ``SET``
    is undone by a rollback, so it waits for a moment outside any transaction."""
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = 2**62
    if raw.autocommit and not getattr(raw, "_loyalty_generic_plans", False):
        raw.execute("SET plan_cache_mode = force_generic_plan")
        raw._loyalty_generic_plans = True
    return raw


def _execute(db, statement: str, params: dict, *, lock: int | None = None):
    """One statement (after the account row lock when ``lock`` is given, in the same round trip
    and transaction); returns its first row."""
    raw = _connection(db)
    with db.wrap_database_errors:
        # Server-side binding (Django's cursors bind on the client and cannot prepare).
        cursor = psycopg.Cursor(raw)
        if lock is None:
            cursor.execute(statement, params, prepare=True)
        elif raw.autocommit:
            with raw.pipeline(), raw.transaction():
                psycopg.Cursor(raw).execute(LOCK, [lock], prepare=True)
                cursor.execute(statement, params, prepare=True)
        else:
            with raw.pipeline():
                psycopg.Cursor(raw).execute(LOCK, [lock], prepare=True)
                cursor.execute(statement, params, prepare=True)
        return cursor.fetchone()


def _params(db, account_id: int, kind: str, key: str, description: str, at, fields: dict):
    detail = fields.get("detail") or {}
    created_by = fields.get("created_by")
    return {
        "account": account_id,
        "kind": kind,
        "key": key,
        "description": str(description),
        "order_number": fields.get("order_number") or "",
        "rule_id": fields.get("rule_id"),
        "reason": fields.get("reason") or "",
        "created_by": getattr(created_by, "pk", created_by),
        "detail": _DETAIL.get_db_prep_save(detail, db) if detail else "{}",
        "at": at,
    }


def _entry(db, row, params: dict, fields: dict) -> LedgerEntry:
    """The entry just written, from what was sent (nothing is read back), announced with
    ``post_save`` as the ORM path would. Built the way Django unpickles a model (its
    ``__init__`` would cost a third of the client's time per posting)."""
    values = {
        **params,
        "id": row[0],
        "account_id": params["account"],
        "available_delta": params["available"],
        "pending_delta": params["pending"],
        "held_delta": 0,
        "idempotency_key": params["key"],
        "reverses_id": None,
        "created_by_id": params["created_by"],
        "detail": fields.get("detail") or {},
        "created_at": params["at"],
    }
    entry = LedgerEntry.__new__(LedgerEntry)
    entry.__dict__.update((name, values[name]) for name in _ENTRY_COLUMNS)
    entry._state = ModelState()
    entry._state.adding, entry._state.db = False, db.alias
    # Receivers of the entry's save (tiers, a shop's own) must not depend on which path wrote it.
    post_save.send(sender=LedgerEntry, instance=entry, created=True, raw=False, using=db.alias)
    return entry


def _refresh(account: PointsAccount, row) -> None:
    account.available, account.pending, account.held, account.last_activity_at = row[1:5]


def _replayed(account_id: int, key: str) -> LedgerEntry:
    existing = LedgerEntry.objects.get(idempotency_key=key)
    if existing.account_id != account_id:
        raise IdempotencyConflict(f"key {key!r} belongs to account {existing.account_id}")
    return existing


def earn(
    account: PointsAccount,
    points: int,
    *,
    key: str,
    kind: str,
    description: str,
    at: datetime,
    lot_status: str,
    available_at: datetime,
    expires_at: datetime | None,
    **fields,
) -> LedgerEntry:
    """Credit ``points`` as a new lot (pending or available); see the module docstring."""
    db = connections[DEFAULT_DB_ALIAS]
    pending = lot_status == PointsLot.PENDING
    params = _params(db, account.pk, kind, key, description, at, fields)
    params.update(
        available=0 if pending else points,
        pending=points if pending else 0,
        points=points,
        status=lot_status,
        available_at=available_at,
        expires_at=expires_at,
    )
    row = _execute(db, EARN, params)
    if row is None:
        if not PointsAccount.objects.filter(pk=account.pk).exists():
            raise PointsAccount.DoesNotExist(f"no points account {account.pk}")
        return _replayed(account.pk, key)
    _refresh(account, row)
    logger.debug("ledger %s %s account=%s key=%s", kind, points, account.pk, key)
    return _entry(db, row, params, fields)


def redeem(
    account: PointsAccount, points: int, *, key: str, description: str, at: datetime, **fields
) -> LedgerEntry:
    """Spend ``points`` first-to-expire, or raise InsufficientPoints; a replayed key returns the
    earlier entry and spends nothing. See the module docstring."""
    db = connections[DEFAULT_DB_ALIAS]
    params = _params(db, account.pk, LedgerEntry.REDEEM, key, description, at, fields)
    params.update(points=points, available=-points, pending=0)
    row = _execute(db, REDEEM, params)
    if row is not None and row[0] is None and not row[6]:
        # Not written, and not a replay: decide again under the account lock.
        row = _execute(db, REDEEM, params, lock=account.pk)
    if row is None:
        raise PointsAccount.DoesNotExist(f"no points account {account.pk}")
    if row[0] is None:
        if row[6]:
            return _replayed(account.pk, key)
        raise insufficient(row[5])
    _refresh(account, row)
    logger.debug("ledger redeem %s account=%s key=%s", points, account.pk, key)
    return _entry(db, row, params, fields)
