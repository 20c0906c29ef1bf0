"""Proof that the cached balances equal what the ledger says.

Three set-based queries, whatever the number of accounts:

1. every account's available, pending and held balances equal the sums of its entries' deltas;
2. every lot's ``remaining`` equals its points minus its allocations;
3. every account's available and pending balances equal the remaining points of its lots.
"""

from dataclasses import dataclass

from django.db import connection

from .models import LedgerEntry, LotAllocation, PointsAccount, PointsLot


@dataclass(frozen=True)
class Discrepancy:
    what: str
    object_id: int
    expected: tuple
    found: tuple

    def __str__(self) -> str:
        return f"{self.what} {self.object_id}: ledger says {self.expected}, cached {self.found}"


def _tables() -> dict[str, str]:
    return {
        "account": PointsAccount._meta.db_table,
        "entry": LedgerEntry._meta.db_table,
        "lot": PointsLot._meta.db_table,
        "allocation": LotAllocation._meta.db_table,
    }


ACCOUNTS_VS_ENTRIES = """
SELECT a.id, COALESCE(e.available, 0), COALESCE(e.pending, 0), COALESCE(e.held, 0),
       a.available, a.pending, a.held
FROM {account} a
LEFT JOIN (SELECT account_id, SUM(available_delta) AS available, SUM(pending_delta) AS pending,
                  SUM(held_delta) AS held
           FROM {entry} GROUP BY account_id) e ON e.account_id = a.id
WHERE a.available <> COALESCE(e.available, 0) OR a.pending <> COALESCE(e.pending, 0)
   OR a.held <> COALESCE(e.held, 0)
ORDER BY a.id
"""

LOTS_VS_ALLOCATIONS = """
SELECT l.id, l.points - COALESCE(al.taken, 0), l.remaining
FROM {lot} l
LEFT JOIN (SELECT lot_id, SUM(points) AS taken FROM {allocation} GROUP BY lot_id) al
       ON al.lot_id = l.id
WHERE l.remaining <> l.points - COALESCE(al.taken, 0)
ORDER BY l.id
"""

ACCOUNTS_VS_LOTS = """
SELECT a.id, COALESCE(l.available, 0), COALESCE(l.pending, 0), a.available, a.pending
FROM {account} a
LEFT JOIN (SELECT account_id,
                  SUM(CASE WHEN status = 'available' THEN remaining ELSE 0 END) AS available,
                  SUM(CASE WHEN status = 'pending' THEN remaining ELSE 0 END) AS pending
           FROM {lot} GROUP BY account_id) l ON l.account_id = a.id
WHERE a.available <> COALESCE(l.available, 0) OR a.pending <> COALESCE(l.pending, 0)
ORDER BY a.id
"""


def _ints(values) -> tuple[int, ...]:
    """PostgreSQL returns SUM() of bigints as numeric: show points as whole numbers."""
    return tuple(int(value) for value in values)


def find_discrepancies(limit: int = 1000) -> list[Discrepancy]:
    """Every mismatch between cached balances and the ledger (at most ``limit`` per check)."""
    tables = _tables()
    problems: list[Discrepancy] = []
    with connection.cursor() as cursor:
        cursor.execute(ACCOUNTS_VS_ENTRIES.format(**tables))
        for row in cursor.fetchmany(limit):
            problems.append(Discrepancy("account (entries)", row[0], _ints(row[1:4]), row[4:7]))
        cursor.execute(LOTS_VS_ALLOCATIONS.format(**tables))
        for row in cursor.fetchmany(limit):
            problems.append(Discrepancy("lot", row[0], _ints(row[1:2]), (row[2],)))
        cursor.execute(ACCOUNTS_VS_LOTS.format(**tables))
        for row in cursor.fetchmany(limit):
            problems.append(Discrepancy("account (lots)", row[0], _ints(row[1:3]), row[3:5]))
    return problems
