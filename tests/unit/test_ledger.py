"""The ledger: idempotent postings, FIFO lots, exact reversal and expiry, no negative balances."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry, PointsAccount, PointsLot
from oscar_loyalty.models.ledger import AppendOnlyError
from oscar_loyalty.verification import find_discrepancies

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return ledger.account_for_user(UserFactory())


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def balances(account: PointsAccount) -> tuple[int, int, int]:
    account.refresh_from_db()
    return account.available, account.pending, account.held


def test_account_is_created_once_per_user():
    user = UserFactory()
    assert ledger.account_for_user(user) == ledger.account_for_user(user)
    assert PointsAccount.objects.filter(user=user).count() == 1


def test_account_without_a_shop_user_is_keyed_by_owner():
    account = ledger.account_for_owner("saleor:shop.example.com:VXNlcjo0Mg==")
    assert account.user is None
    assert ledger.account_for_owner("saleor:shop.example.com:VXNlcjo0Mg==") == account


@pytest.mark.parametrize(
    "post",
    [
        lambda a: ledger.earn(a, 100, key="k"),
        lambda a: ledger.earn(a, 100, key="k", kind=LedgerEntry.BONUS),
        lambda a: ledger.redeem(a, 40, key="k"),
        lambda a: ledger.adjust(
            a, 25, key="k", reason="goodwill", staff_user=UserFactory(is_staff=True)
        ),
    ],
    ids=["earn", "bonus", "redeem", "adjust"],
)
def test_posting_the_same_key_twice_changes_nothing_the_second_time(account, post):
    ledger.earn(account, 100, key="funding")
    first = post(account)
    after_first = balances(account)
    second = post(account)
    assert second.pk == first.pk
    assert balances(account) == after_first
    assert LedgerEntry.objects.filter(idempotency_key="k").count() == 1


def test_earn_with_return_window_is_pending_until_confirmed(account):
    entry = ledger.earn(account, 120, key="o1", pending_until=timezone.now() + timedelta(days=14))
    assert balances(account) == (0, 120, 0)
    ledger.confirm_lot(entry.lot)
    assert balances(account) == (120, 0, 0)
    assert ledger.confirm_lot(entry.lot).kind == LedgerEntry.CONFIRM  # replay returns the entry
    assert balances(account) == (120, 0, 0)


def test_redeem_never_goes_below_zero(account):
    ledger.earn(account, 50, key="e")
    with pytest.raises(ledger.InsufficientPoints):
        ledger.redeem(account, 51, key="r")
    assert balances(account) == (50, 0, 0)
    assert not LedgerEntry.objects.filter(idempotency_key="r").exists()


def test_spending_takes_the_lot_that_expires_first(account):
    now = timezone.now()
    late = ledger.earn(account, 100, key="late", expires_at=now + timedelta(days=300))
    never = ledger.earn(account, 100, key="never")
    soon = ledger.earn(account, 100, key="soon", expires_at=now + timedelta(days=10))
    ledger.redeem(account, 150, key="spend")
    for entry in (late, never, soon):
        entry.lot.refresh_from_db()
    remaining = {e.idempotency_key: e.lot.remaining for e in (late, never, soon)}
    assert remaining == {"soon": 0, "late": 50, "never": 100}


def test_expiry_takes_only_what_is_left_of_the_lot(account):
    entry = ledger.earn(account, 100, key="e", expires_at=timezone.now() + timedelta(days=1))
    ledger.earn(account, 30, key="other")
    ledger.redeem(account, 60, key="r")
    expired = ledger.expire_lot(entry.lot)
    assert expired.available_delta == -40
    assert balances(account) == (30, 0, 0)
    assert ledger.expire_lot(entry.lot).pk == expired.pk


def test_inactivity_expiry_empties_the_balance_once(account):
    ledger.earn(account, 70, key="a")
    ledger.earn(account, 30, key="b")
    account.refresh_from_db()
    first = ledger.expire_balance(account)
    assert first.available_delta == -100
    assert ledger.expire_balance(account).pk == first.pk
    assert balances(account) == (0, 0, 0)


def test_full_reversal_of_a_pending_earn_removes_the_pending_points(account):
    entry = ledger.earn(account, 80, key="o", pending_until=timezone.now() + timedelta(days=5))
    ledger.reverse(entry, key="o:cancel")
    assert balances(account) == (0, 0, 0)
    assert ledger.reverse(entry, key="o:cancel-again") is None


def test_partial_reversals_never_exceed_what_was_earned(account):
    entry = ledger.earn(account, 100, key="o")
    ledger.reverse(entry, 60, key="refund:1")
    ledger.reverse(entry, 60, key="refund:2")
    assert balances(account) == (0, 0, 0)
    assert ledger.reverse(entry, 10, key="refund:3") is None


def test_reversal_of_spent_points_takes_other_points_then_records_the_shortfall(account):
    entry = ledger.earn(account, 100, key="o")
    ledger.redeem(account, 90, key="spent")
    ledger.earn(account, 30, key="later")
    reversal = ledger.reverse(entry, key="o:refund")
    assert reversal.available_delta == -40
    assert reversal.detail["unrecovered"] == 60
    assert balances(account) == (0, 0, 0)


def test_adjustment_requires_reason_and_staff(account, staff):
    with pytest.raises(ledger.LedgerError):
        ledger.adjust(account, 10, key="a1", reason="  ", staff_user=staff)
    with pytest.raises(ledger.LedgerError):
        ledger.adjust(account, 10, key="a2", reason="why", staff_user=UserFactory())
    entry = ledger.adjust(account, 10, key="a3", reason="goodwill", staff_user=staff)
    assert (entry.created_by, entry.reason) == (staff, "goodwill")


def test_negative_adjustment_cannot_overdraw(account, staff):
    ledger.earn(account, 5, key="e")
    with pytest.raises(ledger.InsufficientPoints):
        ledger.adjust(account, -6, key="a", reason="typo", staff_user=staff)
    ledger.adjust(account, -5, key="a", reason="typo", staff_user=staff)
    assert balances(account) == (0, 0, 0)


@pytest.mark.parametrize("points", [0, -5, 1.5, "10", True, 10**13])
def test_invalid_points_are_refused_before_any_write(account, points):
    with pytest.raises(ledger.InvalidPoints):
        ledger.earn(account, points, key="bad")
    assert not LedgerEntry.objects.exists()


def test_too_many_points_at_once_names_the_limit_grouped(account):
    with pytest.raises(ledger.InvalidPoints, match="At most 1,000,000,000 points can be posted"):
        ledger.earn(account, 10**13, key="bad")


def test_entries_are_append_only(account):
    entry = ledger.earn(account, 10, key="e")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(available_delta=1000)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()


@pytest.mark.postgres
def test_database_refuses_raw_updates_of_entries(account):
    entry = ledger.earn(account, 10, key="e")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {LedgerEntry._meta.db_table} SET available_delta = 1000 WHERE id = %s",
                [entry.pk],
            )


def test_database_refuses_a_negative_balance(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(pk=account.pk).update(available=-1)


def test_key_of_another_account_is_a_conflict(account):
    ledger.earn(account, 10, key="shared")
    other = ledger.account_for_user(UserFactory())
    with pytest.raises(ledger.IdempotencyConflict):
        ledger.earn(other, 10, key="shared")


def test_verification_finds_a_tampered_balance(account):
    ledger.earn(account, 10, key="e")
    assert find_discrepancies() == []
    PointsAccount.objects.filter(pk=account.pk).update(available=11)
    [problem] = find_discrepancies()[:1]
    assert problem.object_id == account.pk


def test_replayed_redemption_returns_the_first_even_when_the_points_are_gone(account):
    ledger.earn(account, 100, key="e")
    first = ledger.redeem(account, 80, key="r")
    assert ledger.redeem(account, 80, key="r").pk == first.pk
    assert balances(account) == (20, 0, 0)


def test_refused_redemption_leaves_the_callers_transaction_usable(account):
    ledger.earn(account, 10, key="e")
    with transaction.atomic():
        with pytest.raises(ledger.InsufficientPoints, match="Only 10 points"):
            ledger.redeem(account, 11, key="r")
        ledger.redeem(account, 10, key="r2")
    assert balances(account) == (0, 0, 0)


@pytest.mark.parametrize("post", [ledger.earn, ledger.redeem], ids=["earn", "redeem"])
def test_posting_to_an_unknown_account_writes_nothing(post):
    with pytest.raises(PointsAccount.DoesNotExist):
        post(PointsAccount(pk=987654), 5, key="nobody")
    assert not LedgerEntry.objects.exists()


def test_redeeming_with_a_key_of_another_account_is_a_conflict(account):
    ledger.earn(account, 100, key="e")
    ledger.redeem(account, 10, key="shared")
    other = ledger.account_for_user(UserFactory())
    ledger.earn(other, 100, key="e2")
    with pytest.raises(ledger.IdempotencyConflict):
        ledger.redeem(other, 10, key="shared")
    assert balances(other) == (100, 0, 0)


def test_returned_entries_are_what_was_stored(account):
    staff = UserFactory(is_staff=True)
    at = timezone.now() - timedelta(days=2)
    posted = [
        ledger.earn(
            account,
            40,
            key="o:1",
            description="Order 1",
            order_number="1",
            rule_id=7,
            detail={"lines": [{"line": 1, "points": 40}]},
            created_by=staff,
            at=at,
        ),
        ledger.redeem(account, 15, key="r:1", description="Reward", at=at),
    ]
    for entry in posted:
        stored = LedgerEntry.objects.get(pk=entry.pk)
        assert model_to_dict(entry) == model_to_dict(stored)
        assert entry.created_at == stored.created_at
    account.refresh_from_db(fields=["last_activity_at"])
    assert account.last_activity_at == at


def test_spending_more_than_the_first_sixteen_lots_continues_first_to_expire(account):
    now = timezone.now()
    lots = [
        ledger.earn(account, 10, key=f"e{day}", expires_at=now + timedelta(days=day)).lot
        for day in range(20, 0, -1)
    ]
    ledger.redeem(account, 175, key="big")
    by_expiry = sorted(lots, key=lambda lot: lot.expires_at)
    remaining = [PointsLot.objects.get(pk=lot.pk).remaining for lot in by_expiry]
    assert remaining == [0] * 17 + [5, 10, 10]
    assert find_discrepancies() == []
