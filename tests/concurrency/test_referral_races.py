"""Two return-window sweeps paying the same referral at once, on real PostgreSQL connections."""

from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_loyalty.models import Referral, ReferralSettings
from oscar_loyalty.referrals import settlement
from tests.concurrency.test_ledger_races import run_in_threads
from tests.referrals import enable_referrals, first_order, make_referrer, refer_friend

Voucher = get_model("voucher", "Voucher")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_sweeps_at_once_issue_one_referrer_voucher():
    enable_referrals(
        referrer_reward_type=ReferralSettings.VOUCHER, referrer_discount_value=Decimal("10.00")
    )
    _ada, code = make_referrer()
    bob, referral = refer_friend(code)
    first_order(bob)
    now = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(confirm_at=now)

    paid = run_in_threads(2, lambda _i: settlement.settle_due_referrals(now))

    assert [type(result) for result in paid] == [int, int]
    assert sorted(paid) == [0, 1]
    referral.refresh_from_db()
    assert referral.status == Referral.REWARDED
    assert list(Voucher.objects.all()) == [referral.referrer_voucher]
