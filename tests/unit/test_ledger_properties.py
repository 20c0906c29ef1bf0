"""Random sequences of ledger operations keep balances equal to the entries and lots."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, PointsLot
from oscar_loyalty.verification import find_discrepancies

points = st.integers(min_value=1, max_value=500)
operation = st.one_of(
    st.tuples(st.just("earn"), points, st.booleans(), st.integers(-5, 30)),
    st.tuples(st.just("redeem"), points),
    st.tuples(st.just("reverse"), st.integers(0, 20), st.none() | points),
    st.tuples(st.just("confirm"), st.integers(0, 20)),
    st.tuples(st.just("expire"), st.integers(0, 20)),
    st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool)),
    st.tuples(st.just("expire_balance")),
)


class Rollback(Exception):
    pass


def _pick(items: list, index: int):
    return items[index % len(items)] if items else None


def _run(account, staff, operations):
    now = timezone.now()
    credits: list[LedgerEntry] = []
    for step, op in enumerate(operations):
        key = f"step:{step}"
        account.refresh_from_db()
        before = account.available
        if op[0] == "earn":
            _name, amount, pending, expiry_days = op
            credits.append(
                ledger.earn(
                    account,
                    amount,
                    key=key,
                    pending_until=now + timedelta(days=3) if pending else None,
                    expires_at=now + timedelta(days=expiry_days),
                )
            )
        elif op[0] == "redeem":
            try:
                ledger.redeem(account, op[1], key=key)
            except ledger.InsufficientPoints:
                assert op[1] > before
        elif op[0] == "reverse" and credits:
            ledger.reverse(_pick(credits, op[1]), op[2], key=key)
        elif op[0] in ("confirm", "expire") and credits:
            lot = PointsLot.objects.get(entry=_pick(credits, op[1]))
            (ledger.confirm_lot if op[0] == "confirm" else ledger.expire_lot)(lot)
        elif op[0] == "adjust":
            try:
                ledger.adjust(account, op[1], key=key, reason="property test", staff_user=staff)
            except ledger.InsufficientPoints:
                assert -op[1] > before
        elif op[0] == "expire_balance":
            ledger.expire_balance(account)
        account.refresh_from_db()
        assert min(account.available, account.pending, account.held) >= 0
    assert find_discrepancies() == []


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_random_operations_keep_the_ledger_consistent(operations):
    try:
        with transaction.atomic():
            account = ledger.account_for_user(UserFactory())
            _run(account, UserFactory(is_staff=True), operations)
            raise Rollback
    except Rollback:
        pass
