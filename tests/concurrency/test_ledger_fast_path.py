"""PostgreSQL's hand-written earn and redeem (oscar_loyalty/ledger/pgsql.py): the same rows as
the ORM path, exact FIFO and no overspend when many connections race on one account."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, LotAllocation, PointsLot
from oscar_loyalty.verification import find_discrepancies

from .test_ledger_races import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def script(account, tag: str) -> None:
    """Earns (some pending, some never expiring, more than the 16 lots a redemption reads
    first) and redemptions, including refused ones and replays."""
    rng = random.Random(7)
    now = timezone.now()
    for step in range(60):
        key = f"{tag}:{step}"
        points = rng.randint(1, 90)
        if rng.random() < 0.55:
            days = rng.choice([None, 5, 30, 400])
            ledger.earn(
                account,
                points,
                key=key,
                expires_at=now + timedelta(days=days) if days else None,
                pending_until=now + timedelta(days=3) if step % 7 == 0 else None,
                order_number=str(step),
                detail={"step": step},
            )
        else:
            try:
                ledger.redeem(account, points, key=key)
            except ledger.InsufficientPoints:
                pass
        if step % 9 == 0:
            try:
                ledger.redeem(account, 1, key=f"{tag}:replayed")
            except ledger.InsufficientPoints:
                pass


def rows(account) -> tuple:
    lots = list(account.lots.order_by("pk"))
    index = {lot.pk: position for position, lot in enumerate(lots)}
    return (
        [
            (e.kind, e.available_delta, e.pending_delta, e.order_number, e.detail)
            for e in account.entries.order_by("pk")
        ],
        [(lot.status, lot.points, lot.remaining, lot.expires_at is None) for lot in lots],
        [
            (a.entry.idempotency_key.split(":", 1)[1], index[a.lot_id], a.points)
            for a in LotAllocation.objects.filter(lot__account=account)
            .select_related("entry")
            .order_by("pk")
        ],
        (account.available, account.pending, account.held),
    )


def test_fast_path_writes_the_same_rows_as_the_orm(settings):
    fast = ledger.account_for_user(UserFactory())
    script(fast, "fast")
    settings.OSCAR_LOYALTY_LEDGER_SQL_FAST_PATH = False
    orm = ledger.account_for_user(UserFactory())
    script(orm, "orm")
    fast.refresh_from_db()
    orm.refresh_from_db()
    assert rows(fast) == rows(orm)
    assert find_discrepancies() == []


def test_earn_and_redeem_bypass_the_orm(settings):
    account = ledger.account_for_user(UserFactory())
    with CaptureQueriesContext(connection) as fast:
        ledger.earn(account, 50, key="e")
        ledger.redeem(account, 20, key="r")
    settings.OSCAR_LOYALTY_LEDGER_SQL_FAST_PATH = False
    with CaptureQueriesContext(connection) as orm:
        ledger.earn(account, 50, key="e2")
        ledger.redeem(account, 20, key="r2")
    assert len(fast) == 0
    assert len(orm) > 6
    account.refresh_from_db()
    assert account.available == 60


def test_racing_redemptions_take_lots_strictly_first_to_expire():
    account = ledger.account_for_user(UserFactory())
    now = timezone.now()
    for day in range(30, 0, -1):
        ledger.earn(account, 40, key=f"fund:{day}", expires_at=now + timedelta(days=day))

    def work(worker: int) -> list:
        rng = random.Random(worker)
        outcomes = []
        for step in range(12):
            try:
                outcomes.append(ledger.redeem(account, rng.randint(5, 15), key=f"{worker}:{step}"))
            except ledger.InsufficientPoints:
                outcomes.append("refused")
        return outcomes

    results = run_in_threads(8, work)
    assert not [result for result in results if isinstance(result, Exception)]
    spent = sum(e.points for outcomes in results for e in outcomes if e != "refused")
    account.refresh_from_db()
    assert account.available == 1200 + spent >= 0
    remaining = list(account.lots.order_by("expires_at").values_list("remaining", flat=True))
    emptied = next(position for position, left in enumerate(remaining) if left)
    assert 0 < emptied < len(remaining)
    assert remaining[emptied + 1 :] == [40] * (len(remaining) - emptied - 1)
    assert find_discrepancies() == []


def test_racing_replays_of_one_redemption_spend_once():
    account = ledger.account_for_user(UserFactory())
    ledger.earn(account, 100, key="fund")
    results = run_in_threads(8, lambda i: ledger.redeem(account, 60, key="checkout:1"))
    assert Counter(type(result).__name__ for result in results) == {"LedgerEntry": 8}
    assert {result.pk for result in results} == {LedgerEntry.objects.get(kind="redeem").pk}
    account.refresh_from_db()
    assert account.available == 40


def test_racing_earns_and_redemptions_with_the_orm_postings_add_up(settings):
    """Fast earn/redeem and ORM holds, adjustments and expiries on one account at once."""
    account = ledger.account_for_user(UserFactory())
    staff = UserFactory(is_staff=True)
    ledger.earn(account, 500, key="fund")

    def work(worker: int) -> int:
        rng = random.Random(worker)
        for step in range(15):
            key, points = f"{worker}:{step}", rng.randint(1, 60)
            choice = rng.random()
            try:
                if choice < 0.35:
                    ledger.earn(account, points, key=key)
                elif choice < 0.7:
                    ledger.redeem(account, points, key=key)
                elif choice < 0.85:
                    held = ledger.hold(account, points, key=key, basket_id=worker, currency="GBP")
                    ledger.capture_hold(held, points // 2, order_number=key)
                else:
                    ledger.adjust(account, -points, key=key, reason="race", staff_user=staff)
            except ledger.InsufficientPoints:
                pass
        return worker

    results = run_in_threads(8, work)
    assert results == list(range(8))
    account.refresh_from_db()
    total = sum(account.entries.values_list("available_delta", flat=True))
    assert (account.available, account.held) == (total, 0)
    assert PointsLot.objects.filter(account=account, remaining__lt=0).count() == 0
    assert find_discrepancies() == []


def test_fast_postings_announce_new_entries_like_the_orm_does():
    """Receivers (tier qualification, a shop's own) see fast-path entries; replays stay silent."""
    account = ledger.account_for_user(UserFactory())
    seen = []

    def record(sender, instance, created, **kwargs):
        seen.append((instance.kind, instance.available_delta, created))

    post_save.connect(record, sender=LedgerEntry)
    try:
        ledger.earn(account, 50, key="announce:earn", order_number="1")
        ledger.earn(account, 50, key="announce:earn", order_number="1")
        ledger.redeem(account, 20, key="announce:redeem")
        ledger.redeem(account, 20, key="announce:redeem")
    finally:
        post_save.disconnect(record, sender=LedgerEntry)
    assert seen == [(LedgerEntry.EARN, 50, True), (LedgerEntry.REDEEM, -20, True)]
