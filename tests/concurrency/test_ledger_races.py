"""Real concurrent PostgreSQL connections on one account: nothing overspent, nothing twice."""

import random
import threading
from collections import Counter

import pytest
from django.db import connections
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, PointsAccount
from oscar_loyalty.verification import find_discrepancies

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(count: int, work) -> list:
    """Start ``count`` threads at the same instant, each on its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001  (collected and asserted by the test)
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_redemptions_never_overspend():
    account = ledger.account_for_user(UserFactory())
    for i in range(5):
        ledger.earn(account, 100, key=f"fund:{i}")

    results = run_in_threads(12, lambda i: ledger.redeem(account, 100, key=f"redeem:{i}"))

    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"LedgerEntry": 5, "InsufficientPoints": 7}
    account.refresh_from_db()
    assert account.available == 0
    assert find_discrepancies() == []


def test_the_same_key_from_many_connections_posts_once():
    account = ledger.account_for_user(UserFactory())
    results = run_in_threads(8, lambda i: ledger.earn(account, 250, key="order:42:earn"))
    assert {result.pk for result in results} == {LedgerEntry.objects.get().pk}
    account.refresh_from_db()
    assert account.available == 250


def test_mixed_earn_redeem_reverse_from_many_connections_add_up_exactly():
    account = ledger.account_for_user(UserFactory())
    staff = UserFactory(is_staff=True)
    ledger.earn(account, 300, key="opening")

    def work(worker: int) -> list[LedgerEntry]:
        rng = random.Random(worker)
        posted = []
        for step in range(25):
            key = f"w{worker}:s{step}"
            choice = rng.random()
            try:
                if choice < 0.35:
                    posted.append(ledger.earn(account, rng.randint(1, 60), key=key))
                elif choice < 0.75:
                    posted.append(ledger.redeem(account, rng.randint(1, 80), key=key))
                elif choice < 0.9 and posted and posted[0].kind == LedgerEntry.EARN:
                    entry = ledger.reverse(posted[0], rng.randint(1, 30), key=key)
                    posted.extend([entry] if entry else [])
                else:
                    amount = rng.choice([-1, 1]) * rng.randint(1, 40)
                    posted.append(
                        ledger.adjust(account, amount, key=key, reason="race", staff_user=staff)
                    )
            except ledger.InsufficientPoints:
                pass
        return posted

    results = run_in_threads(8, work)
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    posted = [entry for entries in results for entry in entries]
    account.refresh_from_db()
    assert account.available == 300 + sum(entry.available_delta for entry in posted)
    assert account.available >= 0
    assert PointsAccount.objects.get(pk=account.pk).available == account.available
    assert find_discrepancies() == []
